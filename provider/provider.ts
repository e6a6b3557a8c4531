/**
 * The `commonfate` provider block: where the API is and how to authenticate. Each setting falls back to an
 * environment variable so CI pipelines can keep credentials out of configuration files.
 */
import { apiKeyTokenSource, oidcTokenSource, type TokenSource } from './client/auth';
import { ApiClient } from './client/api';
import { Diagnostics, isUnknown, type BlockSchema, type Logger, type ObjectValue, type ProviderDefinition } from './protocol';
import { dataSources, resources } from './registry';
import { PROVIDER_VERSION } from './version';

export const providerSchema: BlockSchema = {
  version: 0,
  description:
    'The Common Fate provider manages Common Fate resources, such as webhook integrations, through the Common Fate REST API.',
  attributes: {
    api_url: {
      type: 'string',
      optional: true,
      description: 'Base URL of the Common Fate API, e.g. `https://commonfate.example.com`. Defaults to the `CF_API_URL` environment variable.',
    },
    authz_url: {
      type: 'string',
      optional: true,
      description:
        'Base URL of the Common Fate authorization service, as in Common Fate\'s provider configuration. This control plane serves authorization at `api_url`, so every call goes there; a value different from `api_url` is ignored with a warning. Defaults to the `CF_AUTHZ_URL` environment variable.',
    },
    api_key: {
      type: 'string',
      optional: true,
      sensitive: true,
      description:
        'API key sent as a bearer token. Defaults to the `CF_API_KEY` environment variable. Set either this or the `oidc_*` client-credentials settings.',
    },
    oidc_client_id: {
      type: 'string',
      optional: true,
      description: 'OAuth2 client ID for the client-credentials flow. Defaults to the `CF_OIDC_CLIENT_ID` environment variable.',
    },
    oidc_client_secret: {
      type: 'string',
      optional: true,
      sensitive: true,
      description: 'OAuth2 client secret for the client-credentials flow. Defaults to the `CF_OIDC_CLIENT_SECRET` environment variable.',
    },
    oidc_issuer: {
      type: 'string',
      optional: true,
      description:
        'OIDC issuer URL; the token endpoint is discovered from `<issuer>/.well-known/openid-configuration`. Defaults to the `CF_OIDC_ISSUER` environment variable.',
    },
    oidc_scopes: {
      type: { list: 'string' },
      optional: true,
      description:
        'Scopes to request with the client-credentials grant, e.g. `["commonfate/admin"]` (Okta needs at least one custom scope; Entra ID wants `["api://<app>/.default"]`). Defaults to the `CF_OIDC_SCOPES` environment variable (space-separated); none when both are unset.',
    },
    oidc_audience: {
      type: 'string',
      optional: true,
      description:
        'Identifier of the Common Fate API at the identity provider, sent as `audience` (Auth0) and as the RFC 8707 `resource` parameter, so the access token is a JWT for this API. Defaults to the `CF_OIDC_AUDIENCE` environment variable; not sent when both are unset.',
    },
  },
};

/** Attribute name -> environment variable it falls back to. */
const ENV = {
  api_url: 'CF_API_URL',
  authz_url: 'CF_AUTHZ_URL',
  api_key: 'CF_API_KEY',
  oidc_client_id: 'CF_OIDC_CLIENT_ID',
  oidc_client_secret: 'CF_OIDC_CLIENT_SECRET',
  oidc_issuer: 'CF_OIDC_ISSUER',
  oidc_scopes: 'CF_OIDC_SCOPES',
  oidc_audience: 'CF_OIDC_AUDIENCE',
} as const satisfies Record<keyof typeof providerSchema.attributes, string>;

type Setting = keyof typeof ENV;
type StringSetting = Exclude<Setting, 'oidc_scopes'>;

/** RFC 6749 section 3.3: a scope is one or more printable ASCII characters other than space, `"` and `\\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function checkScopes(value: unknown, diags: Diagnostics): void {
  if (!Array.isArray(value)) return;
  value.forEach((scope, i) => {
    if (typeof scope === 'string' && !SCOPE_TOKEN.test(scope)) {
      diags.error(
        'Invalid oidc_scopes',
        `Each scope must be one word of printable characters without spaces or quotes (got ${JSON.stringify(scope)}); list several scopes as several elements.`,
        ['oidc_scopes', i],
      );
    }
  });
}

function checkUrl(name: Setting, raw: string, diags: Diagnostics): URL | undefined {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    diags.error(
      `Invalid ${name}`,
      `${name} (or ${ENV[name]}) must be an http(s) URL such as https://commonfate.example.com.`,
      [name],
    );
    return undefined;
  }
  return url;
}

/** A URL as compared for sameness: scheme, host, port and path, without a trailing slash. */
function sameUrl(a: URL, b: URL): boolean {
  const key = (u: URL) => `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  return key(a) === key(b);
}

/**
 * Common Fate's provider takes the authorization service's URL apart from the API's; this control plane serves
 * both at api_url. Accept the setting as written, and say so when it points elsewhere, rather than ignore it.
 */
function warnAuthzUrl(apiUrl: URL, authzUrl: URL, diags: Diagnostics): void {
  if (sameUrl(apiUrl, authzUrl)) return;
  diags.warning(
    'authz_url is not used',
    `This control plane serves authorization at api_url (${apiUrl.href}): every call, authorization included, goes there, and authz_url (${authzUrl.href}) is ignored. Set authz_url (or CF_AUTHZ_URL) to the same URL as api_url, or remove it.`,
    ['authz_url'],
  );
}

export function createProvider(env: NodeJS.ProcessEnv): ProviderDefinition<ApiClient> {
  /** The configured value, else the environment's; undefined when neither is set. */
  function setting(config: ObjectValue, name: StringSetting): string | undefined {
    const v = config[name];
    if (typeof v === 'string' && v !== '') return v;
    const fromEnv = env[ENV[name]];
    return fromEnv ? fromEnv : undefined;
  }

  /** oidc_scopes as configured (an empty list means none), else CF_OIDC_SCOPES split on white space. */
  function scopes(config: ObjectValue): string[] {
    const v = config.oidc_scopes;
    if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s !== '');
    return (env.CF_OIDC_SCOPES ?? '').split(/\s+/).filter(Boolean);
  }

  return {
    schema: providerSchema,
    resources,
    dataSources,

    validate(config, diags) {
      // Only what can be checked without the environment; configure reports missing settings.
      const apiUrl = config.api_url;
      const api = typeof apiUrl === 'string' && apiUrl !== '' ? checkUrl('api_url', apiUrl, diags) : undefined;
      const authzUrl = config.authz_url;
      const authz = typeof authzUrl === 'string' && authzUrl !== '' ? checkUrl('authz_url', authzUrl, diags) : undefined;
      // Both written in the block: say it now (terraform validate shows it); configure says it otherwise.
      if (api && authz) warnAuthzUrl(api, authz, diags);
      const issuer = config.oidc_issuer;
      if (typeof issuer === 'string' && issuer !== '') checkUrl('oidc_issuer', issuer, diags);
      checkScopes(config.oidc_scopes, diags);
    },

    async configure(config, diags, ctx) {
      for (const name of Object.keys(ENV) as Setting[]) {
        const value = config[name];
        if (isUnknown(value) || (Array.isArray(value) && value.some(isUnknown))) {
          diags.error(
            `${name} is not known yet`,
            `The provider needs ${name} while planning, but it depends on a value known only after apply. Use a literal, a variable or ${ENV[name]}.`,
            [name],
          );
        }
      }
      if (diags.hasErrors()) return undefined;

      const rawUrl = setting(config, 'api_url');
      const baseUrl = rawUrl
        ? checkUrl('api_url', rawUrl, diags)
        : void diags.error(
            'Missing API URL',
            'Set api_url in the provider "commonfate" block or the CF_API_URL environment variable to the Common Fate API base URL.',
            ['api_url'],
          );

      const tokens = resolveCredentials(
        {
          apiKey: setting(config, 'api_key'),
          clientId: setting(config, 'oidc_client_id'),
          clientSecret: setting(config, 'oidc_client_secret'),
          issuer: setting(config, 'oidc_issuer'),
          scopes: scopes(config),
          audience: setting(config, 'oidc_audience'),
        },
        diags,
        ctx.log,
      );
      if (setting(config, 'api_key')) {
        for (const name of ['oidc_scopes', 'oidc_audience'] as const) {
          if (config[name] !== null && config[name] !== undefined) {
            diags.warning(`${name} is ignored`, `${name} applies to OIDC client credentials; the provider authenticates with api_key.`, [name]);
          }
        }
      }
      const rawAuthz = setting(config, 'authz_url');
      const fromBlock = (name: Setting) => typeof config[name] === 'string' && config[name] !== '';
      if (baseUrl && rawAuthz && !(fromBlock('api_url') && fromBlock('authz_url'))) {
        const authz = checkUrl('authz_url', rawAuthz, diags);
        if (authz) warnAuthzUrl(baseUrl, authz, diags);
      }
      if (!baseUrl || !tokens || diags.hasErrors()) return undefined;
      return new ApiClient({
        baseUrl,
        tokens,
        signal: ctx.signal,
        log: ctx.log,
        userAgent: `terraform-provider-commonfate/${PROVIDER_VERSION} terraform/${ctx.terraformVersion}`,
      });
    },
  };
}

function resolveCredentials(
  s: { apiKey?: string; clientId?: string; clientSecret?: string; issuer?: string; scopes: string[]; audience?: string },
  diags: Diagnostics,
  log: Logger,
): TokenSource | undefined {
  const oidcParts = { oidc_client_id: s.clientId, oidc_client_secret: s.clientSecret, oidc_issuer: s.issuer };
  const oidcGiven = Object.values(oidcParts).some(Boolean);
  if (s.apiKey && oidcGiven) {
    diags.error(
      'Conflicting credentials',
      'Both an API key (api_key / CF_API_KEY) and OIDC client credentials (oidc_* / CF_OIDC_*) are set. Set only one of them.',
    );
    return undefined;
  }
  if (s.apiKey) return apiKeyTokenSource(s.apiKey);
  if (!oidcGiven) {
    diags.error(
      'Missing credentials',
      'Set api_key (or CF_API_KEY), or all of oidc_issuer, oidc_client_id and oidc_client_secret (or CF_OIDC_ISSUER, CF_OIDC_CLIENT_ID, CF_OIDC_CLIENT_SECRET).',
    );
    return undefined;
  }
  for (const [name, value] of Object.entries(oidcParts)) {
    if (!value) {
      diags.error(
        `Missing ${name}`,
        `OIDC client credentials need oidc_issuer, oidc_client_id and oidc_client_secret; set ${name} (or ${ENV[name as StringSetting]}).`,
        [name],
      );
    }
  }
  if (diags.hasErrors()) return undefined;
  if (!s.issuer!.startsWith('https://') && !s.issuer!.startsWith('http://')) {
    diags.error('Invalid oidc_issuer', 'oidc_issuer (or CF_OIDC_ISSUER) must be an http(s) URL.', ['oidc_issuer']);
    return undefined;
  }
  return oidcTokenSource(
    { issuer: s.issuer!, clientId: s.clientId!, clientSecret: s.clientSecret!, scopes: s.scopes, audience: s.audience },
    log,
  );
}
