//! Conversions between JS values and the model at the boundary, in JS's units: 0-based
//! indexes as numbers, pixels for viewports, `undefined` for "no value" and `null` for an
//! explicitly empty cell (DESIGN.md section 3).
//!
//! The boundary never traps and never throws untyped (issue 12, item 3): every argument arrives
//! as a `JsValue` and is classified by `js/boundary.js` ([`kind`]) before anything converts it,
//! so a BigInt, a Symbol, a Proxy, an object whose getter or `valueOf` throws, or a string with a
//! lone surrogate is a `ValidationError` naming the argument, never a `TypeError` from the glue,
//! never a caller's exception passed through, never text silently altered. Properties are read
//! with `Reflect.get` under a catch ([`field`], [`option`]); a getter that throws is a
//! `ValidationError` naming the property, not a default.

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use js_sys::{Object, Reflect};
use rustc_hash::FxHashMap;
use wasm_bindgen::prelude::*;

use super::js_error::{bad_input, validation_error};
use crate::engine::Viewport;
use crate::model::{index_from_f64, Axis, CellValue, ErrorCode, Format};

#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = kindOf)]
    fn kind_of(value: &JsValue) -> u8;
    /// `value` as a fresh `T[][]`, or a string saying what is wrong with it.
    #[wasm_bindgen(js_name = copyMatrix)]
    pub fn copy_matrix(value: &JsValue, max_rows: f64, max_cells: f64) -> JsValue;
    /// The values of a matrix from [`copy_matrix`] packed for one crossing: `{ kinds, numbers,
    /// text, lengths, others }` (`js/boundary.js` says what each holds).
    #[wasm_bindgen(catch, js_name = packCells)]
    pub fn pack_cells(rows: &JsValue) -> Result<JsValue, JsValue>;
    /// The size of a genuine `Blob`, else -1.
    #[wasm_bindgen(js_name = blobSizeOf)]
    pub fn blob_size_of(value: &JsValue) -> f64;
    /// 1 for an aborted genuine `AbortSignal`, 0 for one not aborted, else -1.
    #[wasm_bindgen(js_name = abortedOf)]
    pub fn aborted_of(value: &JsValue) -> i32;
    /// The `href` of a genuine `URL`, else `undefined`.
    #[wasm_bindgen(js_name = urlHrefOf)]
    pub fn url_href_of(value: &JsValue) -> JsValue;
    /// UTF-16 units `start .. end` of a string, not splitting a surrogate pair.
    #[wasm_bindgen(js_name = sliceText)]
    pub fn slice_text(text: &JsValue, start: f64, end: f64) -> JsValue;
    /// The length of a string in UTF-16 units.
    #[wasm_bindgen(js_name = textLength)]
    pub fn text_length(text: &JsValue) -> f64;
}

/// What a JS value is, as [`kind`] tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A number (`NaN` and infinities included).
    Number,
    /// A string without lone surrogates.
    Text,
    /// A string holding a lone (unpaired) surrogate: it cannot become Rust text unchanged.
    IllFormedText,
    /// A boolean.
    Boolean,
    /// A BigInt.
    BigInt,
    /// A Symbol.
    Symbol,
    /// A function.
    Function,
    /// Any other object (arrays, Proxies, class instances).
    Object,
}

impl Kind {
    /// "a number", "a bigint", ... for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Undefined => "undefined",
            Self::Null => "null",
            Self::Number => "a number",
            Self::Text => "a string",
            Self::IllFormedText => "a string with a lone surrogate",
            Self::Boolean => "a boolean",
            Self::BigInt => "a bigint",
            Self::Symbol => "a symbol",
            Self::Function => "a function",
            Self::Object => "an object",
        }
    }
}

/// The kind of `value` (one call into JS; runs none of the caller's code).
pub fn kind(value: &JsValue) -> Kind {
    match kind_of(value) {
        0 => Kind::Undefined,
        1 => Kind::Null,
        2 => Kind::Number,
        3 => Kind::Text,
        4 => Kind::IllFormedText,
        5 => Kind::Boolean,
        6 => Kind::BigInt,
        7 => Kind::Symbol,
        8 => Kind::Function,
        _ => Kind::Object,
    }
}

/// The message for text with a lone surrogate in `what`.
pub fn lone_surrogate(what: &str) -> JsValue {
    bad_input(&format!(
        "{what} holds a lone surrogate (an unpaired UTF-16 code unit), which cannot be stored unchanged; \
         nothing was stored"
    ))
}

fn key(name: &str) -> JsValue {
    JsValue::from_str(name)
}

/// Reads property `name` of one of our own objects or of a browser object (`undefined` when
/// absent, when reading fails, or when `object` is not an object). Not for the caller's values:
/// use [`field`] or [`option`].
pub fn get(object: &JsValue, name: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &key(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Reads property `name` of the caller's object `object` (`what` names it in errors, e.g.
/// `"the viewport"`): `undefined` when `object` is not an object.
///
/// # Errors
/// A `ValidationError` naming the property when reading it throws (a getter, a Proxy trap).
pub fn field(object: &JsValue, name: &str, what: &str) -> Result<JsValue, JsValue> {
    if !matches!(kind(object), Kind::Object | Kind::Function) {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(object, &key(name))
        .map_err(|_| bad_input(&format!("{what}.{name} could not be read (reading it threw)")))
}

/// Checks that `options` is an object, `undefined` or `null`; `what` names it in errors.
///
/// # Errors
/// A `ValidationError` for anything else.
pub fn options_object(options: &JsValue, what: &str) -> Result<(), JsValue> {
    match kind(options) {
        Kind::Undefined | Kind::Null | Kind::Object => Ok(()),
        other => Err(bad_input(&format!("{what} must be an object or undefined, got {}", other.describe()))),
    }
}

/// Option `name` of `options` (`undefined` when `options` is `undefined` or `null`).
///
/// # Errors
/// A `ValidationError` naming the option when reading it throws.
pub fn option(options: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    if !matches!(kind(options), Kind::Object) {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(options, &key(name))
        .map_err(|_| bad_input(&format!("option {name} could not be read (reading it threw)")))
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

/// Argument `what` as a number.
///
/// # Errors
/// A `ValidationError` naming the argument when it is not a number.
pub fn number_arg(value: &JsValue, what: &str) -> Result<f64, JsValue> {
    match value.as_f64() {
        Some(n) => Ok(n),
        None => Err(bad_input(&format!("{what} must be a number, got {}", kind(value).describe()))),
    }
}

/// Argument `what` as a 0-based row or column index.
///
/// # Errors
/// A `ValidationError` naming the argument when it is not a number, else as [`index`].
pub fn index_arg(axis: Axis, value: &JsValue, what: &str) -> Result<u64, JsValue> {
    // The message is made only on failure: `getCellValue` calls this twice per read, and a
    // `format!` on every call was a fifth of a read's time (BENCHMARKS.md, "Stop 25").
    match value.as_f64() {
        Some(n) => index(axis, n),
        None => Err(bad_input(&format!("argument {what} must be a number, got {}", kind(value).describe()))),
    }
}

/// Argument `what` as text: a string without lone surrogates.
///
/// # Errors
/// A `ValidationError` naming the argument for other kinds and for lone surrogates.
pub fn text_arg(value: &JsValue, what: &str) -> Result<String, JsValue> {
    match kind(value) {
        Kind::Text => Ok(value.as_string().unwrap_or_default()),
        Kind::IllFormedText => Err(lone_surrogate(what)),
        other => Err(bad_input(&format!("{what} must be a string, got {}", other.describe()))),
    }
}

/// A JS `CellValue`: `undefined` is no value, `null` explicitly empty.
///
/// # Errors
/// A `ValidationError` for other types, text with a lone surrogate, unknown error codes, and
/// error objects whose properties cannot be read.
pub fn cell_value_from_js(value: &JsValue) -> Result<Option<CellValue>, JsValue> {
    // Numbers first without a classifying call: batch writes check many values.
    if let Some(number) = value.as_f64() {
        return Ok(Some(CellValue::Number(number)));
    }
    match kind(value) {
        Kind::Text => Ok(Some(CellValue::Text(value.as_string().unwrap_or_default().into()))),
        Kind::IllFormedText => Err(lone_surrogate("the text of a cell value")),
        Kind::Undefined => Ok(None),
        Kind::Null => Ok(Some(CellValue::Empty)),
        Kind::Boolean => Ok(Some(CellValue::Boolean(value.as_bool().unwrap_or_default()))),
        Kind::Object if field(value, "type", "the cell value")?.as_string().as_deref() == Some("CellError") => {
            let code = field(value, "value", "the cell value")?;
            let code = match kind(&code) {
                Kind::Text => code.as_string().unwrap_or_default(),
                other => {
                    return Err(bad_input(&format!(
                        "the value of a CellError must be an error code string, got {}",
                        other.describe()
                    )))
                }
            };
            ErrorCode::from_str(&code).map(|c| Some(CellValue::Error(c))).map_err(|e| validation_error(&e))
        }
        other => Err(bad_input(&format!(
            "a cell value must be a string, a number, a boolean, null, undefined or {{type: \"CellError\", value}}, \
             got {}",
            other.describe()
        ))),
    }
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
/// A `ValidationError` for other types, lone surrogates, empty or over-long formats.
pub fn format_from_js(format: &JsValue) -> Result<Option<Format>, JsValue> {
    match kind(format) {
        Kind::Undefined | Kind::Null => Ok(None),
        Kind::Text => Format::new(format.as_string().unwrap_or_default()).map(Some).map_err(|e| validation_error(&e)),
        Kind::IllFormedText => Err(lone_surrogate("the number format")),
        other => Err(bad_input(&format!("a number format must be a string or undefined, got {}", other.describe()))),
    }
}

/// A JS `Viewport | undefined`.
///
/// # Errors
/// A `ValidationError` when it is not an object, or a field is missing, unreadable, not finite
/// or negative.
pub fn viewport_from_js(value: &JsValue) -> Result<Option<Viewport>, JsValue> {
    match kind(value) {
        Kind::Undefined | Kind::Null => return Ok(None),
        Kind::Object => {}
        other => {
            return Err(bad_input(&format!("a viewport must be an object or undefined, got {}", other.describe())))
        }
    }
    let number =
        |name: &str| -> Result<f64, JsValue> { Ok(field(value, name, "the viewport")?.as_f64().unwrap_or(f64::NAN)) };
    let viewport = Viewport {
        row_min_offset: number("rowMinOffset")?,
        column_min_offset: number("columnMinOffset")?,
        width: number("width")?,
        height: number("height")?,
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
    let value = option(options, name)?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= max => Ok(Some(n)),
        _ => Err(bad_input(&format!("option {name} must be an integer from 1 to {max}"))),
    }
}
