//! Driving the JS surface from Rust tests as JS would: look methods up by name on the JS object
//! and call them with JS values.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

/// `object[name]`.
pub fn prop(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).expect("property")
}

/// `object.name(...args)`.
pub fn call(object: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = prop(object, name).dyn_into().expect("a method");
    method.apply(object, &args.iter().cloned().collect::<Array>())
}

/// Awaits a promise: its value, or what it rejected with.
pub async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await
}

/// A plain object with the given properties.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (k, v) in pairs {
        Reflect::set(&object, &JsValue::from_str(k), v).expect("set a property");
    }
    object.into()
}

/// `data.getSnapshot()`, called unbound as `useSyncExternalStore` does.
pub fn snapshot(data: &JsValue) -> JsValue {
    let get: Function = prop(data, "getSnapshot").dyn_into().expect("getSnapshot is a function");
    get.call0(&JsValue::UNDEFINED).expect("getSnapshot")
}
