//! Conversions between JS values and the model at the boundary, in JS's units: 0-based
//! indexes as numbers, pixels for viewports, `undefined` for "no value" and `null` for an
//! explicitly empty cell (DESIGN.md section 3).

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use js_sys::{Object, Reflect};
use rustc_hash::FxHashMap;
use wasm_bindgen::prelude::*;

use super::js_error::{bad_input, validation_error};
use crate::engine::Viewport;
use crate::model::{index_from_f64, Axis, CellValue, ErrorCode, Format};

fn key(name: &str) -> JsValue {
    JsValue::from_str(name)
}

/// Reads property `name` of `object` (`undefined` when absent or when `object` is not one).
pub fn get(object: &JsValue, name: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &key(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets property `name` of a plain object.
pub fn set(object: &Object, name: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &key(name), value);
}

/// A JS number used as a 0-based row or column index.
///
/// # Errors
/// A `ValidationError` for negative, fractional, non-finite or too large numbers.
pub fn index(axis: Axis, value: f64) -> Result<u64, JsValue> {
    index_from_f64(axis, value).map_err(|e| validation_error(&e))
}

/// A JS `CellValue`: `undefined` is no value, `null` explicitly empty.
///
/// # Errors
/// A `ValidationError` for other types or unknown error codes.
pub fn cell_value_from_js(value: &JsValue) -> Result<Option<CellValue>, JsValue> {
    // Numbers and text first: each check is a call into JS, and batch writes make many.
    if let Some(number) = value.as_f64() {
        return Ok(Some(CellValue::Number(number)));
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(CellValue::Text(text.into())));
    }
    if value.is_undefined() {
        return Ok(None);
    }
    if value.is_null() {
        return Ok(Some(CellValue::Empty));
    }
    if let Some(boolean) = value.as_bool() {
        return Ok(Some(CellValue::Boolean(boolean)));
    }
    if get(value, "type").as_string().as_deref() == Some("CellError") {
        let code = get(value, "value").as_string().unwrap_or_default();
        return ErrorCode::from_str(&code).map(|c| Some(CellValue::Error(c))).map_err(|e| validation_error(&e));
    }
    Err(bad_input(
        "a cell value must be a string, a number, a boolean, null, undefined or {type: \"CellError\", value}",
    ))
}

/// Bytes of text the [`TEXT_CACHE`] holds before it starts over.
const TEXT_CACHE_BYTES: usize = 4 << 20;
/// What one cached string costs besides its text (map entry, `Rc` header, JS handle).
const TEXT_CACHE_OVERHEAD: usize = 64;

/// JS strings already made from text values, by the address of the value's shared `Rc<str>`
/// (a tile's string table or an entry's decoded text), so a cell read many times is decoded
/// to a JS string once (issue 9, item 6). Each entry keeps its `Rc` alive, so no other text
/// can take its address while it is cached. Bounded by [`TEXT_CACHE_BYTES`]: when full it is
/// emptied and fills again with what is read next (the viewport's cells).
#[derive(Default)]
struct TextCache {
    strings: FxHashMap<usize, (Rc<str>, JsValue)>,
    bytes: usize,
}

thread_local! {
    static TEXT_CACHE: RefCell<TextCache> = RefCell::default();
}

/// `text` as a JS string, through the [`TEXT_CACHE`].
fn text_to_js(text: &Rc<str>) -> JsValue {
    let key = Rc::as_ptr(text).cast::<u8>() as usize;
    TEXT_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, js)) = cache.strings.get(&key) {
            return js.clone();
        }
        let js = JsValue::from_str(text);
        let cost = text.len() + TEXT_CACHE_OVERHEAD;
        if cache.bytes + cost > TEXT_CACHE_BYTES {
            cache.strings.clear();
            cache.bytes = 0;
        }
        cache.bytes += cost;
        cache.strings.insert(key, (text.clone(), js.clone()));
        js
    })
}

/// A model value as a JS `CellValue`.
pub fn cell_value_to_js(value: Option<&CellValue>) -> JsValue {
    match value {
        None => JsValue::UNDEFINED,
        Some(CellValue::Empty) => JsValue::NULL,
        Some(CellValue::Text(text)) => text_to_js(text),
        Some(CellValue::Number(n)) => JsValue::from_f64(*n),
        Some(CellValue::Boolean(b)) => JsValue::from_bool(*b),
        Some(CellValue::Error(code)) => {
            let object = Object::new();
            set(&object, "type", &key("CellError"));
            set(&object, "value", &key(code.as_str()));
            object.into()
        }
    }
}

/// A JS number format: `undefined` or `null` for none, else a string.
///
/// # Errors
/// A `ValidationError` for other types, empty or over-long formats.
pub fn format_from_js(format: &JsValue) -> Result<Option<Format>, JsValue> {
    if format.is_undefined() || format.is_null() {
        return Ok(None);
    }
    match format.as_string() {
        Some(text) => Format::new(text).map(Some).map_err(|e| validation_error(&e)),
        None => Err(bad_input("a number format must be a string or undefined")),
    }
}

/// A JS `Viewport | undefined`.
///
/// # Errors
/// A `ValidationError` when a field is missing, not finite or negative.
pub fn viewport_from_js(value: &JsValue) -> Result<Option<Viewport>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let field = |name: &str| get(value, name).as_f64().unwrap_or(f64::NAN);
    let viewport = Viewport {
        row_min_offset: field("rowMinOffset"),
        column_min_offset: field("columnMinOffset"),
        width: field("width"),
        height: field("height"),
    };
    if viewport.is_valid() {
        Ok(Some(viewport))
    } else {
        Err(bad_input("a viewport needs finite, non-negative rowMinOffset, columnMinOffset, width and height (pixels)"))
    }
}

/// A viewport as a JS `Viewport | undefined`.
pub fn viewport_to_js(viewport: Option<Viewport>) -> JsValue {
    match viewport {
        None => JsValue::UNDEFINED,
        Some(v) => {
            let object = Object::new();
            set(&object, "rowMinOffset", &v.row_min_offset.into());
            set(&object, "columnMinOffset", &v.column_min_offset.into());
            set(&object, "width", &v.width.into());
            set(&object, "height", &v.height.into());
            object.into()
        }
    }
}

/// An optional positive integer option `name` of `options`, at most `max`.
///
/// # Errors
/// A `ValidationError` naming the option.
pub fn positive_integer(options: &JsValue, name: &str, max: f64) -> Result<Option<f64>, JsValue> {
    let value = get(options, name);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= max => Ok(Some(n)),
        _ => Err(bad_input(&format!("option {name} must be an integer from 1 to {max}"))),
    }
}
