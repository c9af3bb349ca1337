// Rolldown settings for `jco componentize --bundle`: the `berth:plugin/*`
// interfaces are the component's imports, which the host provides, not
// modules to bundle.
export default { external: [/^berth:/] };
