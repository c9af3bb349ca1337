// `berth:plugin/cache` for tests: see ../host.js. Nothing expires.
import { host } from '../host.js';

export function get(key) {
  return host.cache.get(key) ?? null;
}

export function set(key, value) {
  host.cache.set(key, value);
}

function remove(key) {
  host.cache.delete(key);
}

export { remove as delete };
