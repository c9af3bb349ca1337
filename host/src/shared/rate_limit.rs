//! One token bucket per (tenant, plugin) in Redis, shared by every
//! replica, taken from in one atomic script: the script reads the bucket,
//! refills it by the time since it was last touched (Redis's clock, so
//! replicas' clocks do not matter) and takes a token or says how long
//! until one is due, with no window between the read and the write for
//! another replica to slip through.

use super::{Redis, SharedError};
use std::sync::LazyLock;
use std::time::Duration;

/// `KEYS[1]`: the bucket (a hash of `tokens` and `at`, in µs of Redis's
/// clock); `ARGV`: tokens per second, burst. Returns 0 when a token was
/// taken, else the µs until one is due. The bucket expires once it would
/// be full again, so idle pairs cost Redis nothing.
const TAKE: &str = r"
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000000 * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
";

static SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(TAKE));

/// Takes a token from `tenant`'s bucket for `plugin`, which refills at
/// `rate_per_second` up to `burst`: `Ok(Ok(()))` when taken, `Ok(Err(wait))`
/// when the next one is due in `wait`, `Err` when Redis could not answer.
pub async fn take(
    redis: &Redis,
    rate_per_second: f64,
    burst: u32,
    tenant: &str,
    plugin: &str,
) -> Result<Result<(), Duration>, SharedError> {
    let key = redis.key("ratelimit", &format!("{tenant}/{plugin}"));
    let rate = rate_per_second.max(0.001).to_string();
    let burst = burst.max(1).to_string();
    let wait: u64 = redis.run(&SCRIPT, &[&key], &[rate.as_bytes(), burst.as_bytes()]).await?;
    Ok(if wait == 0 { Ok(()) } else { Err(Duration::from_micros(wait)) })
}
