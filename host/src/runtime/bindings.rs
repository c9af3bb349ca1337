//! Host-side bindings generated from `wit/` by wasmtime's `bindgen!`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "adapter",
    imports: {
        "berth:plugin/http.send": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    with: {
        "berth:plugin/secrets.secret": crate::capabilities::secrets::SecretHandle,
    },
});

pub use self::berth::plugin::types;
