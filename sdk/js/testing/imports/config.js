// `berth:plugin/config` for tests: see ../host.js.
import { host } from '../host.js';

export function get(key) {
  return host.config.get(key) ?? null;
}
