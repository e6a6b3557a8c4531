// https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface WebhookIntegrationConfig extends cdktf.TerraformMetaArguments {
  /**
  * Only send audit log events with these actions; unset or empty sends every action. One of: `grant.requested`, `grant.approved`, `grant.activated`, `grant.provisioned`, `grant.provisioning_attempted`, `grant.extended`, `grant.deprovisioned`, `grant.cancelled`, `grant.revoked`, `grant.provisioning_error`, `grant.deprovisioning_error`, `grant.breakglass_activated`, `grant.force_closed`, `proxy.session.started`, `proxy.session.ended`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#filter_for_actions WebhookIntegration#filter_for_actions}
  */
  readonly filterForActions?: string[];
  /**
  * Custom HTTP headers sent with every delivery, in order (at most 32). Each takes `value` (sensitive, kept in state) or `value_wo` (write-only, Terraform 1.11 and later, never in plan or state). With credentials that may not read header values (`read_only`), refresh keeps the values the state has and reports no drift on them.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#headers WebhookIntegration#headers}
  */
  readonly headers?: WebhookIntegrationHeaders[] | cdktf.IResolvable;
  /**
  * Version of the write-only header values (`headers[*].value_wo`): change it, e.g. increment it, to send them again. Required when a header uses `value_wo`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#headers_wo_version WebhookIntegration#headers_wo_version}
  */
  readonly headersWoVersion?: number;
  /**
  * Display name of the integration (1 to 256 characters).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#name WebhookIntegration#name}
  */
  readonly name: string;
  /**
  * Send audit log events (grant lifecycle actions such as `grant.requested`). Defaults to `false`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#send_audit_log_events WebhookIntegration#send_audit_log_events}
  */
  readonly sendAuditLogEvents?: boolean | cdktf.IResolvable;
  /**
  * Send authorization events (one per authorization decision made by the Common Fate API). Defaults to `false`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#send_authorization_events WebhookIntegration#send_authorization_events}
  */
  readonly sendAuthorizationEvents?: boolean | cdktf.IResolvable;
  /**
  * Destination URL that receives the events as HTTP POST requests. Must be an absolute `https://` URL without credentials or fragment; the service may also allow `http://` for local development.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#url WebhookIntegration#url}
  */
  readonly url: string;
}
export interface WebhookIntegrationHeaders {
  /**
  * HTTP header name, e.g. `Authorization`. Names the delivery worker sets are refused (`Host`, `Content-Length`, `Content-Type`, `Transfer-Encoding`, `Connection`, `User-Agent`, `webhook-*`); names are unique ignoring case.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#key WebhookIntegration#key}
  */
  readonly key: string;
  /**
  * HTTP header value. Sensitive: never shown in plans or logs, but kept in the state; use `value_wo` to keep it out. Must not contain CR, LF or other control characters. Exactly one of `value` and `value_wo`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#value WebhookIntegration#value}
  */
  readonly value?: string;
  /**
  * Write-only HTTP header value (Terraform 1.11 and later), e.g. from an ephemeral variable: sent to the API but never stored in the plan or state. Sent on create, when `headers_wo_version` changes, and for a header new to the state; otherwise the API keeps the value it has. Requires `headers_wo_version`. Drift cannot be detected for it.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#value_wo WebhookIntegration#value_wo}
  */
  readonly valueWo?: string;
}

export function webhookIntegrationHeadersToTerraform(struct?: WebhookIntegrationHeaders | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
    key: cdktf.stringToTerraform(struct!.key),
    value: cdktf.stringToTerraform(struct!.value),
    value_wo: cdktf.stringToTerraform(struct!.valueWo),
  }
}


export function webhookIntegrationHeadersToHclTerraform(struct?: WebhookIntegrationHeaders | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
    key: {
      value: cdktf.stringToHclTerraform(struct!.key),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    value: {
      value: cdktf.stringToHclTerraform(struct!.value),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    value_wo: {
      value: cdktf.stringToHclTerraform(struct!.valueWo),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };

  // remove undefined attributes
  return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
}

export class WebhookIntegrationHeadersOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;
  private resolvableValue?: cdktf.IResolvable;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  * @param complexObjectIndex the index of this item in the list
  * @param complexObjectIsFromSet whether the list is wrapping a set (will add tolist() to be able to access an item via an index)
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string, complexObjectIndex: number, complexObjectIsFromSet: boolean) {
    super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex);
  }

  public get internalValue(): WebhookIntegrationHeaders | cdktf.IResolvable | undefined {
    if (this.resolvableValue) {
      return this.resolvableValue;
    }
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    if (this._key !== undefined) {
      hasAnyValues = true;
      internalValueResult.key = this._key;
    }
    if (this._value !== undefined) {
      hasAnyValues = true;
      internalValueResult.value = this._value;
    }
    if (this._valueWo !== undefined) {
      hasAnyValues = true;
      internalValueResult.valueWo = this._valueWo;
    }
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: WebhookIntegrationHeaders | cdktf.IResolvable | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
      this.resolvableValue = undefined;
      this._key = undefined;
      this._value = undefined;
      this._valueWo = undefined;
    }
    else if (cdktf.Tokenization.isResolvable(value)) {
      this.isEmptyObject = false;
      this.resolvableValue = value;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
      this.resolvableValue = undefined;
      this._key = value.key;
      this._value = value.value;
      this._valueWo = value.valueWo;
    }
  }

  // key - computed: false, optional: false, required: true
  private _key?: string; 
  public get key() {
    return this.getStringAttribute('key');
  }
  public set key(value: string) {
    this._key = value;
  }
  // Temporarily expose input value. Use with caution.
  public get keyInput() {
    return this._key;
  }

  // value - computed: false, optional: true, required: false
  private _value?: string; 
  public get value() {
    return this.getStringAttribute('value');
  }
  public set value(value: string) {
    this._value = value;
  }
  public resetValue() {
    this._value = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get valueInput() {
    return this._value;
  }

  // value_wo - computed: false, optional: true, required: false
  private _valueWo?: string; 
  public get valueWo() {
    return this.getStringAttribute('value_wo');
  }
  public set valueWo(value: string) {
    this._valueWo = value;
  }
  public resetValueWo() {
    this._valueWo = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get valueWoInput() {
    return this._valueWo;
  }
}

export class WebhookIntegrationHeadersList extends cdktf.ComplexList {
  public internalValue? : WebhookIntegrationHeaders[] | cdktf.IResolvable

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  * @param wrapsSet whether the list is wrapping a set (will add tolist() to be able to access an item via an index)
  */
  constructor(protected terraformResource: cdktf.IInterpolatingParent, protected terraformAttribute: string, protected wrapsSet: boolean) {
    super(terraformResource, terraformAttribute, wrapsSet)
  }

  /**
  * @param index the index of the item to return
  */
  public get(index: number): WebhookIntegrationHeadersOutputReference {
    return new WebhookIntegrationHeadersOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}

/**
* Represents a {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration commonfate_webhook_integration}
*/
export class WebhookIntegration extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "commonfate_webhook_integration";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a WebhookIntegration resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the WebhookIntegration to import
  * @param importFromId The id of the existing WebhookIntegration that should be imported. Refer to the {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the WebhookIntegration to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "commonfate_webhook_integration", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/resources/webhook_integration commonfate_webhook_integration} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options WebhookIntegrationConfig
  */
  public constructor(scope: Construct, id: string, config: WebhookIntegrationConfig) {
    super(scope, id, {
      terraformResourceType: 'commonfate_webhook_integration',
      terraformGeneratorMetadata: {
        providerName: 'commonfate',
        providerVersion: '0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._filterForActions = config.filterForActions;
    this._headers.internalValue = config.headers;
    this._headersWoVersion = config.headersWoVersion;
    this._name = config.name;
    this._sendAuditLogEvents = config.sendAuditLogEvents;
    this._sendAuthorizationEvents = config.sendAuthorizationEvents;
    this._url = config.url;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // filter_for_actions - computed: false, optional: true, required: false
  private _filterForActions?: string[]; 
  public get filterForActions() {
    return cdktf.Fn.tolist(this.getListAttribute('filter_for_actions'));
  }
  public set filterForActions(value: string[]) {
    this._filterForActions = value;
  }
  public resetFilterForActions() {
    this._filterForActions = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get filterForActionsInput() {
    return this._filterForActions;
  }

  // headers - computed: false, optional: true, required: false
  private _headers = new WebhookIntegrationHeadersList(this, "headers", false);
  public get headers() {
    return this._headers;
  }
  public putHeaders(value: WebhookIntegrationHeaders[] | cdktf.IResolvable) {
    this._headers.internalValue = value;
  }
  public resetHeaders() {
    this._headers.internalValue = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get headersInput() {
    return this._headers.internalValue;
  }

  // headers_wo_version - computed: false, optional: true, required: false
  private _headersWoVersion?: number; 
  public get headersWoVersion() {
    return this.getNumberAttribute('headers_wo_version');
  }
  public set headersWoVersion(value: number) {
    this._headersWoVersion = value;
  }
  public resetHeadersWoVersion() {
    this._headersWoVersion = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get headersWoVersionInput() {
    return this._headersWoVersion;
  }

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // send_audit_log_events - computed: true, optional: true, required: false
  private _sendAuditLogEvents?: boolean | cdktf.IResolvable; 
  public get sendAuditLogEvents() {
    return this.getBooleanAttribute('send_audit_log_events');
  }
  public set sendAuditLogEvents(value: boolean | cdktf.IResolvable) {
    this._sendAuditLogEvents = value;
  }
  public resetSendAuditLogEvents() {
    this._sendAuditLogEvents = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get sendAuditLogEventsInput() {
    return this._sendAuditLogEvents;
  }

  // send_authorization_events - computed: true, optional: true, required: false
  private _sendAuthorizationEvents?: boolean | cdktf.IResolvable; 
  public get sendAuthorizationEvents() {
    return this.getBooleanAttribute('send_authorization_events');
  }
  public set sendAuthorizationEvents(value: boolean | cdktf.IResolvable) {
    this._sendAuthorizationEvents = value;
  }
  public resetSendAuthorizationEvents() {
    this._sendAuthorizationEvents = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get sendAuthorizationEventsInput() {
    return this._sendAuthorizationEvents;
  }

  // url - computed: false, optional: false, required: true
  private _url?: string; 
  public get url() {
    return this.getStringAttribute('url');
  }
  public set url(value: string) {
    this._url = value;
  }
  // Temporarily expose input value. Use with caution.
  public get urlInput() {
    return this._url;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      filter_for_actions: cdktf.listMapper(cdktf.stringToTerraform, false)(this._filterForActions),
      headers: cdktf.listMapper(webhookIntegrationHeadersToTerraform, false)(this._headers.internalValue),
      headers_wo_version: cdktf.numberToTerraform(this._headersWoVersion),
      name: cdktf.stringToTerraform(this._name),
      send_audit_log_events: cdktf.booleanToTerraform(this._sendAuditLogEvents),
      send_authorization_events: cdktf.booleanToTerraform(this._sendAuthorizationEvents),
      url: cdktf.stringToTerraform(this._url),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      filter_for_actions: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._filterForActions),
        isBlock: false,
        type: "set",
        storageClassType: "stringList",
      },
      headers: {
        value: cdktf.listMapperHcl(webhookIntegrationHeadersToHclTerraform, false)(this._headers.internalValue),
        isBlock: true,
        type: "list",
        storageClassType: "WebhookIntegrationHeadersList",
      },
      headers_wo_version: {
        value: cdktf.numberToHclTerraform(this._headersWoVersion),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      send_audit_log_events: {
        value: cdktf.booleanToHclTerraform(this._sendAuditLogEvents),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      send_authorization_events: {
        value: cdktf.booleanToHclTerraform(this._sendAuthorizationEvents),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      url: {
        value: cdktf.stringToHclTerraform(this._url),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
