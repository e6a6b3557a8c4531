import { apiErrorToDiagnostics, ApiError, parseApiPath } from './errors';

const ctx = {
  operation: 'create the webhook integration',
  apiUrl: 'http://api.example.com',
  credentials: 'api_key (or CF_API_KEY)',
  setAttributes: ['filter_for_actions'],
  secrets: ['hunter2-secret'],
};

describe('API errors as diagnostics', () => {
  test('parses problem paths', () => {
    expect(parseApiPath('headers[0].key')).toEqual(['headers', 0, 'key']);
    expect(parseApiPath('url')).toEqual(['url']);
    expect(parseApiPath('')).toEqual([]);
  });

  test('each validation problem becomes a diagnostic on its attribute; list paths stop at the element, set paths at the set', () => {
    const diags = apiErrorToDiagnostics(
      new ApiError(400, {
        title: 'Invalid request',
        errors: [
          { path: 'headers[2].value', message: 'must not contain "hunter2-secret"' },
          { path: 'filter_for_actions[1]', message: 'unknown action' },
          { path: 'url', message: 'must use https' },
        ],
      }),
      ctx,
    );
    expect(diags.map((d) => d.path)).toEqual([['headers', 2], ['filter_for_actions'], ['url']]);
    expect(diags[0].detail).toContain('headers[2].value');
    expect(diags[0].detail).not.toContain('hunter2-secret');
    expect(diags[1].detail).toContain('element 1 of the set');
  });

  test('401 names the credential settings', () => {
    const [d] = apiErrorToDiagnostics(new ApiError(401, { title: 'Unauthorized' }), ctx);
    expect(d.summary).toBe('Authentication failed');
    expect(d.detail).toContain('api_key (or CF_API_KEY)');
  });
});
