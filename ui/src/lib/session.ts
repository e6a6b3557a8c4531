/**
 * The API key lives in sessionStorage: it survives a reload of this tab, is not shared with other tabs and is
 * gone when the tab closes. Signing out removes it. Nothing else about the user is stored.
 */
const KEY = 'cf.dashboard.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the user signs in again on each load
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
