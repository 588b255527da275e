// Sign-in. Production: the city's OpenID Connect provider (OIDC_ISSUER)
// through oidc-client-ts (oidc.js): code flow with PKCE, state and nonce,
// the issuer checked; the access token is kept in sessionStorage and the
// code leaves the address bar at once. Dev mode: pick a role, the gateway
// signs a token with its dev key.
import { setToken, startPage, status, token, claims, config } from './common.js';
import { signIn, finishSignIn } from './oidc.js';

async function devSignIn(role) {
  const resp = await fetch('dev-token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.detail || 'Anmeldung fehlgeschlagen.');
  setToken(body.access_token);
}

function done() {
  location.replace(startPage());
}

async function main() {
  const cfg = await config();
  const params = new URLSearchParams(location.search);
  if (cfg.oidc && (params.has('code') || params.has('error'))) {
    status('Anmeldung wird abgeschlossen …');
    setToken(await finishSignIn(cfg.oidc, params));
    return done();
  }
  const c = claims();
  const grund = {
    abgelaufen: 'Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.',
    fehlt: 'Bitte melden Sie sich an, um diese Seite zu sehen.',
  }[params.get('grund')];
  if (token() && c && c.exp * 1000 > Date.now()) {
    status('Sie sind bereits angemeldet.');
  } else if (grund) {
    status(grund, 'fehler');
  }
  if (cfg.oidc) {
    document.getElementById('oidc').hidden = false;
    document.getElementById('oidc-start').addEventListener('click', () => {
      status('Weiterleitung zum Anmeldedienst …');
      signIn(cfg.oidc).catch((e) => status(e.message, 'fehler'));
    });
  }
  if (cfg.dev) {
    const form = document.getElementById('dev');
    form.hidden = false;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      devSignIn(document.getElementById('rolle').value).then(done, (e) => status(e.message, 'fehler'));
    });
  }
  if (!cfg.oidc && !cfg.dev) document.getElementById('keine').hidden = false;
}

main().catch((e) => status(e.message, 'fehler'));
