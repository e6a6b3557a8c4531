/**
 * Every resource and data source the provider serves. Adding one is a new file under resources/ or
 * data-sources/ and one line here.
 */
import type { ApiClient } from './client/api';
import { webhookIntegrationDataSource } from './data-sources/webhook_integration';
import type { DataSourceType, ResourceType } from './protocol';
import { webhookIntegrationResource } from './resources/webhook_integration';

export const resources: readonly ResourceType<ApiClient>[] = [webhookIntegrationResource];

export const dataSources: readonly DataSourceType<ApiClient>[] = [webhookIntegrationDataSource];
