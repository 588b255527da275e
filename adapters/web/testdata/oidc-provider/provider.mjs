// The city's OpenID Connect provider for the browser tests: panva's
// oidc-provider (an OpenID Certified implementation, from the npm
// registry), configured as a Keycloak realm would be for the pages:
// one public client with PKCE, JWT access tokens for the gateway's
// audience carrying the user's roles, refresh tokens for renewal, and
// logout at its end_session_endpoint. Only the configuration is ours.
//
// Environment: PORT (0: any free one), CLIENT_ID, REDIRECT_URI (the
// pages' sign-in page), AUDIENCE, ACCESS_TOKEN_TTL (seconds).
// Prints one line "ready <issuer>" when it listens.
import http from 'node:http';
import Provider from 'oidc-provider';

const audience = process.env.AUDIENCE || 'urn:schulgateway';
const ttl = Number(process.env.ACCESS_TOKEN_TTL || 300);
// Login name → roles, as the city's directory would map its groups.
const roles = { 'sachbearbeiterin-1': ['schulamt'], 'planerin-1': ['planung'], 'it-1': ['admin'] };

const server = http.createServer();
await new Promise((r) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', r));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'schulgateway-web',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.REDIRECT_URI],
  }],
  async findAccount(_ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  features: {
    devInteractions: { enabled: true }, // the login form; any password
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => audience,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== audience) throw new Error('unknown resource ' + indicator);
        return { scope: 'schulgateway', audience, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  // The pages are a first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid');
    grant.addResourceScope(audience, 'schulgateway');
    await grant.save();
    return grant;
  },
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken') return undefined;
    return { roles: roles[token.accountId] || [] };
  },
  async issueRefreshToken(_ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  pkce: { required: () => true },
  ttl: { AccessToken: ttl, IdToken: ttl, RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600 },
  cookies: { keys: ['schulgateway-test-cookie-key-not-secret'] },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
server.on('request', provider.callback());
console.log('ready ' + issuer);
// What the pages asked for, for the test to check (PKCE, state, nonce):
// one line per authorization request, without any personal data.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth') {
    const q = ctx.query;
    console.log('authorize ' + JSON.stringify({ state: !!q.state, nonce: !!q.nonce, code_challenge_method: q.code_challenge_method || '', response_type: q.response_type }));
  }
  if (ctx.path === '/token' && ctx.method === 'POST') {
    await next();
    console.log('token ' + ctx.status);
    return;
  }
  await next();
});
