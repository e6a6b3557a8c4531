// https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface CommonfateProviderConfig {
  /**
  * API key sent as a bearer token. Defaults to the `CF_API_KEY` environment variable. Set either this or the `oidc_*` client-credentials settings.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#api_key CommonfateProvider#api_key}
  */
  readonly apiKey?: string;
  /**
  * Base URL of the Common Fate API, e.g. `https://commonfate.example.com`. Defaults to the `CF_API_URL` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#api_url CommonfateProvider#api_url}
  */
  readonly apiUrl?: string;
  /**
  * Base URL of the Common Fate authorization service, as in Common Fate's provider configuration. This control plane serves authorization at `api_url`, so every call goes there; a value different from `api_url` is ignored with a warning. Defaults to the `CF_AUTHZ_URL` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#authz_url CommonfateProvider#authz_url}
  */
  readonly authzUrl?: string;
  /**
  * Identifier of the Common Fate API at the identity provider, sent as `audience` (Auth0) and as the RFC 8707 `resource` parameter, so the access token is a JWT for this API. Defaults to the `CF_OIDC_AUDIENCE` environment variable; not sent when both are unset.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#oidc_audience CommonfateProvider#oidc_audience}
  */
  readonly oidcAudience?: string;
  /**
  * OAuth2 client ID for the client-credentials flow. Defaults to the `CF_OIDC_CLIENT_ID` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#oidc_client_id CommonfateProvider#oidc_client_id}
  */
  readonly oidcClientId?: string;
  /**
  * OAuth2 client secret for the client-credentials flow. Defaults to the `CF_OIDC_CLIENT_SECRET` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#oidc_client_secret CommonfateProvider#oidc_client_secret}
  */
  readonly oidcClientSecret?: string;
  /**
  * OIDC issuer URL; the token endpoint is discovered from `<issuer>/.well-known/openid-configuration`. Defaults to the `CF_OIDC_ISSUER` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#oidc_issuer CommonfateProvider#oidc_issuer}
  */
  readonly oidcIssuer?: string;
  /**
  * Scopes to request with the client-credentials grant, e.g. `["commonfate/admin"]` (Okta needs at least one custom scope; Entra ID wants `["api://<app>/.default"]`). Defaults to the `CF_OIDC_SCOPES` environment variable (space-separated); none when both are unset.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#oidc_scopes CommonfateProvider#oidc_scopes}
  */
  readonly oidcScopes?: string[];
  /**
  * Alias name
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#alias CommonfateProvider#alias}
  */
  readonly alias?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs commonfate}
*/
export class CommonfateProvider extends cdktf.TerraformProvider {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "commonfate";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a CommonfateProvider resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the CommonfateProvider to import
  * @param importFromId The id of the existing CommonfateProvider that should be imported. Refer to the {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the CommonfateProvider to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "commonfate", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs commonfate} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options CommonfateProviderConfig = {}
  */
  public constructor(scope: Construct, id: string, config: CommonfateProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'commonfate',
      terraformGeneratorMetadata: {
        providerName: 'commonfate',
        providerVersion: '0.1.0'
      },
      terraformProviderSource: 'registry.terraform.io/common-fate/commonfate'
    });
    this._apiKey = config.apiKey;
    this._apiUrl = config.apiUrl;
    this._authzUrl = config.authzUrl;
    this._oidcAudience = config.oidcAudience;
    this._oidcClientId = config.oidcClientId;
    this._oidcClientSecret = config.oidcClientSecret;
    this._oidcIssuer = config.oidcIssuer;
    this._oidcScopes = config.oidcScopes;
    this._alias = config.alias;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // api_key - computed: false, optional: true, required: false
  private _apiKey?: string; 
  public get apiKey() {
    return this._apiKey;
  }
  public set apiKey(value: string | undefined) {
    this._apiKey = value;
  }
  public resetApiKey() {
    this._apiKey = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get apiKeyInput() {
    return this._apiKey;
  }

  // api_url - computed: false, optional: true, required: false
  private _apiUrl?: string; 
  public get apiUrl() {
    return this._apiUrl;
  }
  public set apiUrl(value: string | undefined) {
    this._apiUrl = value;
  }
  public resetApiUrl() {
    this._apiUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get apiUrlInput() {
    return this._apiUrl;
  }

  // authz_url - computed: false, optional: true, required: false
  private _authzUrl?: string; 
  public get authzUrl() {
    return this._authzUrl;
  }
  public set authzUrl(value: string | undefined) {
    this._authzUrl = value;
  }
  public resetAuthzUrl() {
    this._authzUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get authzUrlInput() {
    return this._authzUrl;
  }

  // oidc_audience - computed: false, optional: true, required: false
  private _oidcAudience?: string; 
  public get oidcAudience() {
    return this._oidcAudience;
  }
  public set oidcAudience(value: string | undefined) {
    this._oidcAudience = value;
  }
  public resetOidcAudience() {
    this._oidcAudience = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get oidcAudienceInput() {
    return this._oidcAudience;
  }

  // oidc_client_id - computed: false, optional: true, required: false
  private _oidcClientId?: string; 
  public get oidcClientId() {
    return this._oidcClientId;
  }
  public set oidcClientId(value: string | undefined) {
    this._oidcClientId = value;
  }
  public resetOidcClientId() {
    this._oidcClientId = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get oidcClientIdInput() {
    return this._oidcClientId;
  }

  // oidc_client_secret - computed: false, optional: true, required: false
  private _oidcClientSecret?: string; 
  public get oidcClientSecret() {
    return this._oidcClientSecret;
  }
  public set oidcClientSecret(value: string | undefined) {
    this._oidcClientSecret = value;
  }
  public resetOidcClientSecret() {
    this._oidcClientSecret = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get oidcClientSecretInput() {
    return this._oidcClientSecret;
  }

  // oidc_issuer - computed: false, optional: true, required: false
  private _oidcIssuer?: string; 
  public get oidcIssuer() {
    return this._oidcIssuer;
  }
  public set oidcIssuer(value: string | undefined) {
    this._oidcIssuer = value;
  }
  public resetOidcIssuer() {
    this._oidcIssuer = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get oidcIssuerInput() {
    return this._oidcIssuer;
  }

  // oidc_scopes - computed: false, optional: true, required: false
  private _oidcScopes?: string[]; 
  public get oidcScopes() {
    return this._oidcScopes;
  }
  public set oidcScopes(value: string[] | undefined) {
    this._oidcScopes = value;
  }
  public resetOidcScopes() {
    this._oidcScopes = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get oidcScopesInput() {
    return this._oidcScopes;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string; 
  public get alias() {
    return this._alias;
  }
  public set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      api_key: cdktf.stringToTerraform(this._apiKey),
      api_url: cdktf.stringToTerraform(this._apiUrl),
      authz_url: cdktf.stringToTerraform(this._authzUrl),
      oidc_audience: cdktf.stringToTerraform(this._oidcAudience),
      oidc_client_id: cdktf.stringToTerraform(this._oidcClientId),
      oidc_client_secret: cdktf.stringToTerraform(this._oidcClientSecret),
      oidc_issuer: cdktf.stringToTerraform(this._oidcIssuer),
      oidc_scopes: cdktf.listMapper(cdktf.stringToTerraform, false)(this._oidcScopes),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      api_key: {
        value: cdktf.stringToHclTerraform(this._apiKey),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      api_url: {
        value: cdktf.stringToHclTerraform(this._apiUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      authz_url: {
        value: cdktf.stringToHclTerraform(this._authzUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      oidc_audience: {
        value: cdktf.stringToHclTerraform(this._oidcAudience),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      oidc_client_id: {
        value: cdktf.stringToHclTerraform(this._oidcClientId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      oidc_client_secret: {
        value: cdktf.stringToHclTerraform(this._oidcClientSecret),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      oidc_issuer: {
        value: cdktf.stringToHclTerraform(this._oidcIssuer),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      oidc_scopes: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._oidcScopes),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      alias: {
        value: cdktf.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
