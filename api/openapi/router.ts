import express, { type RequestHandler } from 'express';
import { dirname } from 'node:path';
import { publicRoute, type Route } from '../http/route';

// Resolve the asset folder without loading swagger-ui-dist's index, which would load the whole UI bundle.
const ASSETS_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Webhook integrations API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });</script>
</body>
</html>`;

/** `/openapi.json` and the browsable `/docs` page. `document` is called once, on first use. */
export function openApiRoutes(document: () => Record<string, unknown>): Route[] {
  let body: string | undefined;
  return [
    publicRoute({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tag: 'Operations',
      action: null,
      responses: { 200: { description: 'The OpenAPI 3.1 document of the API and of the webhooks it sends.' } },
      handler: async () => ({ status: 200, text: (body ??= JSON.stringify(document())), contentType: 'application/json' }),
    }),
    publicRoute({
      method: 'GET',
      path: '/docs',
      operationId: 'getDocsPage',
      summary: 'This document, browsable',
      tag: 'Operations',
      action: null,
      responses: { 200: { description: 'An HTML page rendering /openapi.json; its assets are served from this process.', contentType: 'text/html' } },
      handler: async () => ({ status: 200, text: DOCS_PAGE, contentType: 'html' }),
    }),
  ];
}

/** The docs page's static assets (swagger-ui), served from this process: no CDN. */
export const docsAssets: RequestHandler = express.static(ASSETS_DIR, { index: false, fallthrough: false });
