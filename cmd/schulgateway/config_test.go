package main

import (
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigFailsClosedOutsideDevMode(t *testing.T) {
	_, err := loadConfig(env(nil))
	if err == nil {
		t.Fatal("config without key source, issuer and audience was accepted")
	}
	for _, want := range []string{"JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "PSEUDONYM_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{name: "production", env: map[string]string{"JWT_JWKS_URL": "https://idp/jwks", "JWT_ISSUER": "https://idp", "JWT_AUDIENCE": "sg",
			"PSEUDONYM_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
			check: func(t *testing.T, c config) {
				if c.Dev || c.Issuer != "https://idp" || c.ListenAddr != "127.0.0.1:8080" || !strings.Contains(c.DatabaseURL, "/schulgateway") ||
					string(c.PseudonymKey) != "0123456789abcdef0123456789abcdef" || c.Einschulung != einschulung.GesetzlicheRegel() {
					t.Errorf("%+v", c)
				}
			}},
		{name: "OIDC for the pages", env: map[string]string{"SCHULGATEWAY_DEV": "1", "OIDC_ISSUER": "https://login.example/realms/schule/", "OIDC_CLIENT_ID": "schulgateway-web"},
			check: func(t *testing.T, c config) {
				if c.OIDCIssuer != "https://login.example/realms/schule" || c.OIDCClientID != "schulgateway-web" {
					t.Errorf("%+v", c)
				}
			}},
		{name: "OIDC issuer without client id", env: map[string]string{"SCHULGATEWAY_DEV": "1", "OIDC_ISSUER": "https://login.example"}, wantErr: "OIDC_CLIENT_ID"},
		{name: "Einschulung cut-off dates", env: map[string]string{"SCHULGATEWAY_DEV": "1", "EINSCHULUNG_STICHTAG": "30.09.", "EINSCHULUNG_STICHTAG_VORZEITIG": "31.12."},
			check: func(t *testing.T, c config) {
				if c.Einschulung.Schulpflicht != (einschulung.Stichtag{Monat: time.September, Tag: 30}) || c.Einschulung.Vorzeitig != (einschulung.Stichtag{Monat: time.December, Tag: 31}) {
					t.Errorf("%+v", c.Einschulung)
				}
			}},
		{name: "Schulpflicht defaults", env: map[string]string{"SCHULGATEWAY_DEV": "1"},
			check: func(t *testing.T, c config) {
				if c.SchulpflichtJahre != 9 || c.Schulpflicht != schulpflicht.StandardKonfiguration() || c.SchulpflichtListenMaxAlter != 60 {
					t.Errorf("%d %+v %d", c.SchulpflichtJahre, c.Schulpflicht, c.SchulpflichtListenMaxAlter)
				}
			}},
		{name: "age of pupil lists", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE": "90"},
			check: func(t *testing.T, c config) {
				if c.SchulpflichtListenMaxAlter != 90 {
					t.Errorf("SchulpflichtListenMaxAlter = %d", c.SchulpflichtListenMaxAlter)
				}
			}},
		{name: "bad age of pupil lists", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE": "0"},
			wantErr: "SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE"},
		{name: "Schulpflicht span and thresholds", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_JAHRE": "10",
			"SCHULPFLICHT_SCHWELLE_AUTO": "25.5", "SCHULPFLICHT_SCHWELLE_REVIEW": "9"},
			check: func(t *testing.T, c config) {
				if c.SchulpflichtJahre != 10 || c.Schulpflicht != (schulpflicht.Konfiguration{Auto: 25.5, Review: 9, Eindeutig: schulpflicht.StandardKonfiguration().Eindeutig}) {
					t.Errorf("%d %+v", c.SchulpflichtJahre, c.Schulpflicht)
				}
			}},
		{name: "bad Schulpflicht span", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_JAHRE": "neun"}, wantErr: "SCHULPFLICHT_JAHRE"},
		{name: "unique-candidate rule off", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_SCHWELLE_EINDEUTIG": "0"},
			check: func(t *testing.T, c config) {
				if c.Schulpflicht.Eindeutig != 0 || c.Schulpflicht.Auto != schulpflicht.StandardKonfiguration().Auto {
					t.Errorf("%+v", c.Schulpflicht)
				}
			}},
		{name: "unique-candidate threshold below review", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_SCHWELLE_EINDEUTIG": "5"},
			wantErr: "SCHULPFLICHT_SCHWELLE_EINDEUTIG"},
		{name: "review above auto", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SCHULPFLICHT_SCHWELLE_AUTO": "5", "SCHULPFLICHT_SCHWELLE_REVIEW": "8"},
			wantErr: "SCHULPFLICHT_SCHWELLE_REVIEW"},
		{name: "bad cut-off date", env: map[string]string{"SCHULGATEWAY_DEV": "1", "EINSCHULUNG_STICHTAG": "29.02."}, wantErr: "EINSCHULUNG_STICHTAG"},
		{name: "short pseudonym key", env: map[string]string{"SCHULGATEWAY_DEV": "1", "PSEUDONYM_KEY": "c2hvcnQ="}, wantErr: "PSEUDONYM_KEY"},
		{name: "dev without key source uses dev issuer", env: map[string]string{"SCHULGATEWAY_DEV": "true", "JWT_ISSUER": "ignored"},
			check: func(t *testing.T, c config) {
				if !c.Dev || c.Issuer != devIssuer || c.Audience != devAudience {
					t.Errorf("%+v", c)
				}
			}},
		{name: "two key sources", env: map[string]string{"JWT_JWKS_URL": "u", "JWT_JWKS_FILE": "f", "JWT_ISSUER": "i", "JWT_AUDIENCE": "a"}, wantErr: "beide gesetzt"},
		{name: "bad dev flag", env: map[string]string{"SCHULGATEWAY_DEV": "jein"}, wantErr: "SCHULGATEWAY_DEV"},
		{name: "bad log level", env: map[string]string{"SCHULGATEWAY_DEV": "1", "LOG_LEVEL": "loud"}, wantErr: "LOG_LEVEL"},
		{name: "bad shutdown timeout", env: map[string]string{"SCHULGATEWAY_DEV": "1", "SHUTDOWN_TIMEOUT": "soon"}, wantErr: "SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestPlanungConfig(t *testing.T) {
	env := map[string]string{"SCHULGATEWAY_DEV": "true", "PLANUNG_SCHWELLE": "5", "PLANUNG_MINDESTGROESSEN": "grundschule=80/0/20"}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.PlanungSchwelle != 5 || c.Mindestgroessen[planung.Grundschule] != (planung.Mindestgroesse{Schueler: 80, Eingangsklasse: 20}) ||
		c.Mindestgroessen[planung.Gymnasium].Schueler != 650 {
		t.Errorf("%d %+v", c.PlanungSchwelle, c.Mindestgroessen)
	}
	for k, v := range map[string]string{"PLANUNG_SCHWELLE": "0", "PLANUNG_MINDESTGROESSEN": "grundschule=60/15"} {
		env := map[string]string{"SCHULGATEWAY_DEV": "true", k: v}
		if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	env = map[string]string{"SCHULGATEWAY_DEV": "true"}
	if c, _ := loadConfig(func(k string) string { return env[k] }); c.PlanungSchwelle != 3 {
		t.Errorf("default threshold %d", c.PlanungSchwelle)
	}
}

func TestUploadLimitsConfig(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"SCHULGATEWAY_DEV": "true", "IMPORT_MAX_UNPACKED_BYTES": "1048576", "IMPORT_MAX_COLUMNS": "30"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Uploads.MaxUnpacked != 1<<20 || c.Uploads.MaxColumns != 30 {
		t.Errorf("uploads %+v", c.Uploads)
	}
	if c, _ := loadConfig(env(map[string]string{"SCHULGATEWAY_DEV": "true"})); c.Uploads.MaxUnpacked != 256<<20 || c.Uploads.MaxColumns != 1000 {
		t.Errorf("default uploads %+v, want 256 MiB and 1000 columns", c.Uploads)
	}
	for k, v := range map[string]string{"IMPORT_MAX_UNPACKED_BYTES": "viel", "IMPORT_MAX_COLUMNS": "5"} {
		if _, err := loadConfig(env(map[string]string{"SCHULGATEWAY_DEV": "true", k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

func TestImportMaxRemovalShareConfig(t *testing.T) {
	for v, want := range map[string]float64{"": 0.05, "0.1": 0.1, "10 %": 0.1, "2,5%": 0.025, "0": 0} {
		c, err := loadConfig(env(map[string]string{"SCHULGATEWAY_DEV": "true", "IMPORT_MAX_REMOVAL_SHARE": v}))
		if err != nil || c.ImportMaxRemovalShare != want {
			t.Errorf("IMPORT_MAX_REMOVAL_SHARE=%q: %v %v, want %v", v, c.ImportMaxRemovalShare, err, want)
		}
	}
	for _, v := range []string{"viel", "1.5", "-0.1"} {
		if _, err := loadConfig(env(map[string]string{"SCHULGATEWAY_DEV": "true", "IMPORT_MAX_REMOVAL_SHARE": v})); err == nil || !strings.Contains(err.Error(), "IMPORT_MAX_REMOVAL_SHARE") {
			t.Errorf("IMPORT_MAX_REMOVAL_SHARE=%q: %v", v, err)
		}
	}
}
