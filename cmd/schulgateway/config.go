package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/aufbewahrung"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// config is everything the gateway reads from its environment.
type config struct {
	DatabaseURL string
	ListenAddr  string
	JWKSURL     string
	JWKSFile    string
	Issuer      string
	Audience    string
	Dev         bool
	DevKeyFile  string
	// OIDCIssuer and OIDCClientID configure the web pages' sign-in.
	OIDCIssuer      string
	OIDCClientID    string
	LogLevel        string
	ShutdownTimeout time.Duration
	ImportMaxBytes  int
	Uploads         sheets.Uploads
	ImportWorkers   int
	// ImportMaxRemovalShare: a snapshot list removing more than this share
	// of the records in its scope needs confirm_removals (issue 14).
	ImportMaxRemovalShare float64
	FeedRetention         time.Duration
	// SchulwechselFrist is how many days a deregistered pupil may go
	// without an admission before the departure is overdue.
	SchulwechselFrist int
	// PseudonymKey keys the children's pseudonymous ids (HMAC-SHA256).
	// Changing it changes every id the BMS knows.
	PseudonymKey []byte
	// Einschulung holds the cut-off dates of § 37 SchulG LSA.
	Einschulung einschulung.Regel
	// PlanungSchwelle: counts below it are suppressed for planners.
	PlanungSchwelle int
	// Mindestgroessen of the SEPl-VO per Schulart.
	Mindestgroessen map[planung.Schulart]planung.Mindestgroesse
	// SchulpflichtJahre is how many school years full-time Schulpflicht
	// lasts (§ 40: nine).
	SchulpflichtJahre int
	// SchulpflichtListenMaxAlter: days a school's pupil list may be old
	// before the Schulpflicht page warns about it before a run.
	SchulpflichtListenMaxAlter int
	// Schulpflicht holds the matcher's thresholds for auto and review.
	Schulpflicht schulpflicht.Konfiguration
	// Limits are the rate limits (0 switches one off).
	Limits httpapi.RateLimits
	// TrustedProxies may name the client in X-Forwarded-For.
	TrustedProxies []string
	// Aufbewahrung is how long each kind of record is kept.
	Aufbewahrung aufbewahrung.Fristen
}

// uploads reads the limits of what opening an uploaded file may cost.
func uploads(getenv func(string) string, errs *[]error) sheets.Uploads {
	return sheets.Uploads{
		MaxUnpacked: int64(intEnv(getenv, "IMPORT_MAX_UNPACKED_BYTES", int(sheets.DefaultLimits.MaxUncompressed), 1<<20, 16<<30, "Bytes", errs)),
		MaxColumns:  intEnv(getenv, "IMPORT_MAX_COLUMNS", sheets.DefaultLimits.MaxColumns, 10, 16_384, "Spalten", errs),
	}
}

// intEnv reads a whole number from the environment within [lo, hi], or
// def when the variable is unset; a bad value is added to errs.
func intEnv(getenv func(string) string, name string, def, lo, hi int, unit string, errs *[]error) int {
	v := getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		if unit != "" {
			unit = " (" + unit + ")"
		}
		*errs = append(*errs, fmt.Errorf("%s=%q: erwartet eine Zahl von %d bis %d%s", name, v, lo, hi, unit))
	}
	return n
}

// removalShare reads IMPORT_MAX_REMOVAL_SHARE: the share (0 to 1, e.g.
// 0.05 or "5 %") of the records in a snapshot list's scope it may remove
// without the number confirmed.
func removalShare(getenv func(string) string, errs *[]error) float64 {
	v := strings.TrimSpace(getenv("IMPORT_MAX_REMOVAL_SHARE"))
	if v == "" {
		return importing.DefaultMaxRemovalShare
	}
	s := strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(v, "%")), ",", ".")
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && strings.HasSuffix(v, "%") {
		f /= 100
	}
	if err != nil || f < 0 || f > 1 {
		*errs = append(*errs, fmt.Errorf("IMPORT_MAX_REMOVAL_SHARE=%q: erwartet einen Anteil von 0 bis 1 (z. B. 0.05) oder Prozent (z. B. 5 %%)", v))
		return importing.DefaultMaxRemovalShare
	}
	return f
}

const (
	devIssuer   = "schulgateway-dev"
	devAudience = "schulgateway"
)

// loadConfig reads the environment through getenv. Outside dev mode it
// fails closed: without a key source, issuer and audience the gateway
// would accept nobody or, worse, anybody, so it refuses to start.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL:  or(getenv("DATABASE_URL"), postgres.DefaultURL),
		ListenAddr:   or(getenv("LISTEN_ADDR"), "127.0.0.1:8080"),
		JWKSURL:      getenv("JWT_JWKS_URL"),
		JWKSFile:     getenv("JWT_JWKS_FILE"),
		Issuer:       getenv("JWT_ISSUER"),
		Audience:     getenv("JWT_AUDIENCE"),
		DevKeyFile:   or(getenv("DEV_KEY_FILE"), "var/dev-key.json"),
		LogLevel:     or(getenv("LOG_LEVEL"), "info"),
		OIDCIssuer:   strings.TrimRight(getenv("OIDC_ISSUER"), "/"),
		OIDCClientID: getenv("OIDC_CLIENT_ID"),
	}
	var errs []error
	if v := getenv("SCHULGATEWAY_DEV"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SCHULGATEWAY_DEV=%q: erwartet true oder false", v))
		}
		c.Dev = b
	}
	c.ShutdownTimeout = 30 * time.Second
	if v := getenv("SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("SHUTDOWN_TIMEOUT=%q: erwartet eine Dauer wie 30s", v))
		}
		c.ShutdownTimeout = d
	}
	c.FeedRetention = 90 * 24 * time.Hour
	if v := getenv("CHANGE_FEED_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Hour {
			errs = append(errs, fmt.Errorf("CHANGE_FEED_RETENTION=%q: erwartet eine Dauer von mindestens 1h, z. B. 2160h (90 Tage)", v))
		}
		c.FeedRetention = d
	}
	c.SchulwechselFrist = intEnv(getenv, "SCHULWECHSEL_FRIST_TAGE", schulwechsel.DefaultFrist, 1, 365, "Tage", &errs)
	c.Einschulung = einschulung.GesetzlicheRegel()
	for _, st := range []struct {
		env string
		dst *einschulung.Stichtag
	}{{"EINSCHULUNG_STICHTAG", &c.Einschulung.Schulpflicht}, {"EINSCHULUNG_STICHTAG_VORZEITIG", &c.Einschulung.Vorzeitig}} {
		if v := getenv(st.env); v != "" {
			tag, err := einschulung.ParseStichtag(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", st.env, err))
			}
			*st.dst = tag
		}
	}
	c.SchulpflichtJahre = intEnv(getenv, "SCHULPFLICHT_JAHRE", 9, 1, 13, "Schuljahre", &errs)
	c.SchulpflichtListenMaxAlter = intEnv(getenv, "SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE", schulpflicht.StandardListenMaxAlterTage, 1, 3650, "Tage", &errs)
	c.Schulpflicht = schulpflicht.StandardKonfiguration()
	for _, th := range []struct {
		env string
		dst *float64
	}{{"SCHULPFLICHT_SCHWELLE_AUTO", &c.Schulpflicht.Auto}, {"SCHULPFLICHT_SCHWELLE_REVIEW", &c.Schulpflicht.Review},
		{"SCHULPFLICHT_SCHWELLE_EINDEUTIG", &c.Schulpflicht.Eindeutig}} {
		if v := getenv(th.env); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				errs = append(errs, fmt.Errorf("%s=%q: erwartet eine Zahl (Punktwert des Abgleichs)", th.env, v))
			}
			*th.dst = f
		}
	}
	if c.Schulpflicht.Review > c.Schulpflicht.Auto {
		errs = append(errs, fmt.Errorf("SCHULPFLICHT_SCHWELLE_REVIEW (%g) darf nicht über SCHULPFLICHT_SCHWELLE_AUTO (%g) liegen", c.Schulpflicht.Review, c.Schulpflicht.Auto))
	}
	if e := c.Schulpflicht.Eindeutig; e != 0 && e < c.Schulpflicht.Review {
		errs = append(errs, fmt.Errorf("SCHULPFLICHT_SCHWELLE_EINDEUTIG (%g) darf nicht unter SCHULPFLICHT_SCHWELLE_REVIEW (%g) liegen; 0 schaltet die Regel des einzigen Kandidaten ab", e, c.Schulpflicht.Review))
	}
	c.PlanungSchwelle = intEnv(getenv, "PLANUNG_SCHWELLE", planung.StandardSchwelle, 1, 100, "", &errs)
	if mg, err := planung.ParseMindestgroessen(getenv("PLANUNG_MINDESTGROESSEN")); err != nil {
		errs = append(errs, fmt.Errorf("PLANUNG_MINDESTGROESSEN: %w", err))
	} else {
		c.Mindestgroessen = mg
	}
	if key, err := pseudonymKey(getenv, c.Dev); err != nil {
		errs = append(errs, err)
	} else {
		c.PseudonymKey = key
	}
	c.ImportMaxBytes = importMaxBytes(getenv)
	c.Uploads = uploads(getenv, &errs)
	c.ImportWorkers = intEnv(getenv, "IMPORT_WORKERS", 2, 1, 64, "", &errs)
	c.ImportMaxRemovalShare = removalShare(getenv, &errs)
	c.Limits.PerSubject = float64(intEnv(getenv, "RATE_LIMIT_PER_SUBJECT", 100, 0, 1_000_000, "Anfragen je Sekunde", &errs))
	c.Limits.Burst = intEnv(getenv, "RATE_LIMIT_BURST", 200, 0, 1_000_000, "Anfragen", &errs)
	tage := func(name string, def int) time.Duration {
		return time.Duration(intEnv(getenv, name, def, 0, 36500, "Tage, 0 = unbegrenzt", &errs)) * 24 * time.Hour
	}
	c.Aufbewahrung = aufbewahrung.Fristen{
		Melderegister: tage("RETENTION_MELDEREGISTER_TAGE", 730),
		Importe:       tage("RETENTION_IMPORTE_TAGE", 90),
		Faelle:        tage("RETENTION_FAELLE_TAGE", 1825),
		Protokoll:     tage("RETENTION_PROTOKOLL_TAGE", 730),
		// 365: deleted on 1 August a year after the cohort started school.
		Untersuchungen: tage("RETENTION_UNTERSUCHUNGEN_TAGE", 365),
	}
	for _, p := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	c.Limits.FailedLoginsPerMinute = intEnv(getenv, "RATE_LIMIT_FAILED_LOGINS", 30, 0, 1_000_000, "abgewiesene Token je Minute", &errs)
	if v := getenv("IMPORT_MAX_BYTES"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1024 {
			errs = append(errs, fmt.Errorf("IMPORT_MAX_BYTES=%q: erwartet eine Zahl von Bytes (mindestens 1024)", v))
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL=%q: erwartet debug, info, warn oder error", c.LogLevel))
	}
	if (c.OIDCIssuer == "") != (c.OIDCClientID == "") {
		errs = append(errs, errors.New("OIDC_ISSUER und OIDC_CLIENT_ID gehören zusammen: für die Anmeldung auf den Seiten beide setzen oder keins"))
	}
	if c.JWKSURL != "" && c.JWKSFile != "" {
		errs = append(errs, errors.New("JWT_JWKS_URL und JWT_JWKS_FILE sind beide gesetzt: bitte genau eine Schlüsselquelle angeben"))
	}
	if c.Dev {
		if c.JWKSURL == "" && c.JWKSFile == "" {
			// Dev mode without a key source trusts the local dev key, and
			// only with the dev issuer and audience.
			c.Issuer, c.Audience = devIssuer, devAudience
		}
	} else {
		if c.JWKSURL == "" && c.JWKSFile == "" {
			errs = append(errs, errors.New("keine Schlüsselquelle: JWT_JWKS_URL oder JWT_JWKS_FILE setzen (oder SCHULGATEWAY_DEV=true für die lokale Entwicklung)"))
		}
		if c.Issuer == "" {
			errs = append(errs, errors.New("JWT_ISSUER fehlt: der erwartete Aussteller der Tokens"))
		}
		if c.Audience == "" {
			errs = append(errs, errors.New("JWT_AUDIENCE fehlt: die erwartete Zielgruppe (aud) der Tokens"))
		}
	}
	if len(errs) > 0 {
		return config{}, fmt.Errorf("Konfiguration unvollständig oder fehlerhaft:\n  - %w", joinLines(errs))
	}
	return c, nil
}

func joinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  - "))
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// pseudonymKey reads PSEUDONYM_KEY; dev mode without one uses a fixed,
// non-secret key (dev data only).
func pseudonymKey(getenv func(string) string, dev bool) ([]byte, error) {
	switch v := getenv("PSEUDONYM_KEY"); {
	case v != "":
		key, err := einschulung.ParsePseudonymKey(v)
		if err != nil {
			return nil, fmt.Errorf("PSEUDONYM_KEY: %w", err)
		}
		return key, nil
	case dev:
		return []byte("schulgateway-dev: not a secret, dev data only"), nil
	}
	return nil, errors.New("PSEUDONYM_KEY fehlt: der geheime Schlüssel der pseudonymen Kennungen der Kinder (base64, mindestens 32 Bytes, z. B. aus „openssl rand -base64 32“)")
}
