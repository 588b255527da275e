package httpapi

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// RateLimits bound how fast one caller may go. Zero rates switch a limit off.
type RateLimits struct {
	// PerSubject is the sustained rate of requests per token subject
	// (per second) and Burst how many may come at once.
	PerSubject float64
	Burst      int
	// FailedLoginsPerMinute is how many refused tokens one client address
	// may present per minute (burst: the same number). Counted before the
	// token is verified, so a flood of forged tokens costs no signature
	// checks and writes no audit entries once the address is over it.
	FailedLoginsPerMinute int
}

// limiter is a set of token buckets keyed by subject or address. Buckets
// idle for ten minutes are dropped, so memory stays bounded by the number
// of recent callers.
type limiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	return &limiter{rate: perSecond, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take spends n tokens of key's bucket (n = 0 only looks). It reports
// whether the tokens were there, and otherwise how long until they are.
func (l *limiter) take(key string, n float64, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	need := math.Max(n, 1)
	if b.tokens < need {
		return false, time.Duration((need - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens -= n
	return true, 0
}

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func tooMany(c *fiber.Ctx, wait time.Duration, detail string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return writeProblem(c, fiber.StatusTooManyRequests, detail, nil)
}

// limitSubject runs after authentication: each token subject has its own
// bucket.
func (s *server) limitSubject(c *fiber.Ctx) error {
	p := principal(c)
	if ok, wait := s.subjectLimiter.take(p.Subject, 1, time.Now()); !ok {
		return tooMany(c, wait, "Zu viele Anfragen in kurzer Zeit. Bitte nach der in „Retry-After“ genannten Zahl an Sekunden erneut versuchen.")
	}
	return c.Next()
}
