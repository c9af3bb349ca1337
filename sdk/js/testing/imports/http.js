// `berth:plugin/http` for tests: see ../host.js.
import { host } from '../host.js';

export function send(request) {
  return host.send(request);
}
