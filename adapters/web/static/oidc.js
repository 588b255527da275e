// Sign-in with the city's OpenID Connect provider through oidc-client-ts
// (vendored as oidc-client-ts.min.js, loaded by every page before its
// module): authorization code flow with PKCE, state and nonce, the issuer
// checked, the access token renewed before it expires while a page is
// open, logout at the provider's end_session_endpoint.

const lib = () => globalThis.oidc;

function sameIssuer(a, b) {
  return String(a || '').replace(/\/+$/, '') === String(b || '').replace(/\/+$/, '');
}

function randomString(n) {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let mgr = null;

// manager returns the one UserManager of this page for the provider cfg
// ({issuer, client_id}); tokens live in sessionStorage only.
export function manager(cfg) {
  if (mgr) return mgr;
  const { UserManager, WebStorageStateStore } = lib();
  const back = location.origin + '/app/index.html';
  mgr = new UserManager({
    authority: cfg.issuer,
    client_id: cfg.client_id,
    redirect_uri: back,
    post_logout_redirect_uri: back,
    response_type: 'code',
    scope: 'openid',
    loadUserInfo: false,
    monitorSession: false,
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    // Renewal with the refresh token, 30 s before the access token runs
    // out (Keycloak's default lifetime is 5 minutes).
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 30,
  });
  return mgr;
}

// checkIssuer refuses a provider whose discovery document names another
// issuer than the one configured (a mix-up or a spoofed document).
async function checkIssuer(m, cfg) {
  const meta = await m.metadataService.getMetadata();
  if (!sameIssuer(meta.issuer, cfg.issuer)) {
    throw new Error('Der Anmeldedienst meldet sich mit einer anderen Adresse, als eingerichtet ist. Die Anmeldung wurde abgebrochen; bitte den IT-Betrieb informieren.');
  }
}

export async function signIn(cfg) {
  const m = manager(cfg);
  await checkIssuer(m, cfg);
  await m.signinRedirect({ nonce: randomString(16) });
}

// finishSignIn takes the provider's answer on the sign-in page and returns
// the access token; the code leaves the address bar at once.
export async function finishSignIn(cfg, params) {
  const url = location.href;
  history.replaceState(null, '', location.pathname);
  if (params.get('error')) {
    throw new Error('Der Anmeldedienst hat die Anmeldung abgelehnt: ' + (params.get('error_description') || params.get('error')));
  }
  if (params.get('iss') && !sameIssuer(params.get('iss'), cfg.issuer)) { // RFC 9207
    throw new Error('Die Antwort kommt von einem anderen Anmeldedienst als eingerichtet. Bitte erneut anmelden.');
  }
  const m = manager(cfg);
  let user;
  try {
    await checkIssuer(m, cfg);
    user = await m.signinRedirectCallback(url);
  } catch (e) {
    if (/state/i.test(String(e && e.message))) {
      throw new Error('Die Antwort des Anmeldedienstes gehört zu keiner Anmeldung aus diesem Fenster. Bitte erneut anmelden.');
    }
    throw new Error('Die Anmeldung konnte nicht abgeschlossen werden (' + (e && e.message) + '). Bitte erneut anmelden.');
  }
  if (!sameIssuer(user.profile.iss, cfg.issuer)) {
    await m.removeUser();
    throw new Error('Das Anmeldetoken stammt von einem anderen Anmeldedienst als eingerichtet. Bitte erneut anmelden.');
  }
  return user.access_token;
}

// keepFresh gives a page the current access token and hands every renewed
// one to onToken; it returns false when there is no valid session left.
export async function keepFresh(cfg, onToken) {
  const m = manager(cfg);
  let user = await m.getUser();
  if (user && user.expired) {
    try {
      user = await m.signinSilent();
    } catch {
      user = null;
    }
  }
  if (!user || user.expired) return false;
  m.events.addUserLoaded((u) => onToken(u.access_token));
  onToken(user.access_token);
  return true;
}

// signOutAtProvider ends the session here and at the provider.
export async function signOutAtProvider(cfg) {
  const m = manager(cfg);
  const user = await m.getUser();
  await m.removeUser();
  await m.signoutRedirect({ id_token_hint: user && user.id_token });
}
