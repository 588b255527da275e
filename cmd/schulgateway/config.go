package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/einschulung"
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
	ImportWorkers   int
	FeedRetention   time.Duration
	// SchulwechselFrist is how many days a deregistered pupil may go
	// without an admission before the departure is overdue.
	SchulwechselFrist int
	// PseudonymKey keys the children's pseudonymous ids (HMAC-SHA256).
	// Changing it changes every id the BMS knows.
	PseudonymKey []byte
	// Einschulung holds the cut-off dates of § 37 SchulG LSA.
	Einschulung einschulung.Regel
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
	c.SchulwechselFrist = schulwechsel.DefaultFrist
	if v := getenv("SCHULWECHSEL_FRIST_TAGE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			errs = append(errs, fmt.Errorf("SCHULWECHSEL_FRIST_TAGE=%q: erwartet eine Zahl von Tagen (1 bis 365)", v))
		}
		c.SchulwechselFrist = n
	}
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
	if key, err := pseudonymKey(getenv, c.Dev); err != nil {
		errs = append(errs, err)
	} else {
		c.PseudonymKey = key
	}
	c.ImportMaxBytes = importMaxBytes(getenv)
	c.ImportWorkers = 2
	if v := getenv("IMPORT_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			errs = append(errs, fmt.Errorf("IMPORT_WORKERS=%q: erwartet eine Zahl von 1 bis 64", v))
		}
		c.ImportWorkers = n
	}
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
