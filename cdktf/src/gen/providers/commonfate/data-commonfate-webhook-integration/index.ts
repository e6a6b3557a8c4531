// https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/data-sources/webhook_integration
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface DataCommonfateWebhookIntegrationConfig extends cdktf.TerraformMetaArguments {
  /**
  * Identifier of the webhook integration to read (`whk_` followed by a KSUID).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/data-sources/webhook_integration#id DataCommonfateWebhookIntegration#id}
  *
  * Please be aware that the id field is automatically added to all resources in Terraform providers using a Terraform provider SDK version below 2.
  * If you experience problems setting this value it might not be settable. Please take a look at the provider documentation to ensure it should be settable.
  */
  readonly id: string;
}
export interface DataCommonfateWebhookIntegrationHeaders {
}

export function dataCommonfateWebhookIntegrationHeadersToTerraform(struct?: DataCommonfateWebhookIntegrationHeaders): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function dataCommonfateWebhookIntegrationHeadersToHclTerraform(struct?: DataCommonfateWebhookIntegrationHeaders): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class DataCommonfateWebhookIntegrationHeadersOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  * @param complexObjectIndex the index of this item in the list
  * @param complexObjectIsFromSet whether the list is wrapping a set (will add tolist() to be able to access an item via an index)
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string, complexObjectIndex: number, complexObjectIsFromSet: boolean) {
    super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex);
  }

  public get internalValue(): DataCommonfateWebhookIntegrationHeaders | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: DataCommonfateWebhookIntegrationHeaders | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
    }
  }

  // key - computed: true, optional: false, required: false
  public get key() {
    return this.getStringAttribute('key');
  }

  // value - computed: true, optional: false, required: false
  public get value() {
    return this.getStringAttribute('value');
  }
}

export class DataCommonfateWebhookIntegrationHeadersList extends cdktf.ComplexList {

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
  public get(index: number): DataCommonfateWebhookIntegrationHeadersOutputReference {
    return new DataCommonfateWebhookIntegrationHeadersOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}

/**
* Represents a {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/data-sources/webhook_integration commonfate_webhook_integration}
*/
export class DataCommonfateWebhookIntegration extends cdktf.TerraformDataSource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "commonfate_webhook_integration";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a DataCommonfateWebhookIntegration resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the DataCommonfateWebhookIntegration to import
  * @param importFromId The id of the existing DataCommonfateWebhookIntegration that should be imported. Refer to the {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/data-sources/webhook_integration#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the DataCommonfateWebhookIntegration to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "commonfate_webhook_integration", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/common-fate/commonfate/0.1.0/docs/data-sources/webhook_integration commonfate_webhook_integration} Data Source
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options DataCommonfateWebhookIntegrationConfig
  */
  public constructor(scope: Construct, id: string, config: DataCommonfateWebhookIntegrationConfig) {
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
    this._id = config.id;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // filter_for_actions - computed: true, optional: false, required: false
  public get filterForActions() {
    return cdktf.Fn.tolist(this.getListAttribute('filter_for_actions'));
  }

  // headers - computed: true, optional: false, required: false
  private _headers = new DataCommonfateWebhookIntegrationHeadersList(this, "headers", false);
  public get headers() {
    return this._headers;
  }

  // id - computed: false, optional: false, required: true
  private _id?: string; 
  public get id() {
    return this.getStringAttribute('id');
  }
  public set id(value: string) {
    this._id = value;
  }
  // Temporarily expose input value. Use with caution.
  public get idInput() {
    return this._id;
  }

  // name - computed: true, optional: false, required: false
  public get name() {
    return this.getStringAttribute('name');
  }

  // send_audit_log_events - computed: true, optional: false, required: false
  public get sendAuditLogEvents() {
    return this.getBooleanAttribute('send_audit_log_events');
  }

  // send_authorization_events - computed: true, optional: false, required: false
  public get sendAuthorizationEvents() {
    return this.getBooleanAttribute('send_authorization_events');
  }

  // url - computed: true, optional: false, required: false
  public get url() {
    return this.getStringAttribute('url');
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      id: cdktf.stringToTerraform(this._id),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      id: {
        value: cdktf.stringToHclTerraform(this._id),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
