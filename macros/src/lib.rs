//! The `#[anyrt::main]` and `#[anyrt::test]` attributes, and the code generators behind
//! `anyrt::select!`, `anyrt::join!` and `anyrt::try_join!`. Use them through the `anyrt` crate,
//! which re-exports them; this crate knows nothing of anyrt's features, so the list of backends a
//! test runs on comes from a macro of anyrt's, and the function-like macros take the path of the
//! anyrt crate (`$crate`) as their first input.
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, Error, ItemFn, ReturnType};

mod join;
mod select;

/// The body of `anyrt::select!`: `$crate; [biased;] branches`.
#[doc(hidden)]
#[proc_macro]
pub fn select_internal(input: TokenStream) -> TokenStream {
    select::expand(parse_macro_input!(input as select::Select)).into()
}

/// The body of `anyrt::join!`: `$crate; [biased;] futures`.
#[doc(hidden)]
#[proc_macro]
pub fn join_internal(input: TokenStream) -> TokenStream {
    join::expand(parse_macro_input!(input as join::Join), false).into()
}

/// The body of `anyrt::try_join!`: `$crate; [biased;] futures`.
#[doc(hidden)]
#[proc_macro]
pub fn try_join_internal(input: TokenStream) -> TokenStream {
    join::expand(parse_macro_input!(input as join::Join), true).into()
}

/// Runs an `async fn main` inside `anyrt::block_on`; `crate = "path"` names anyrt by another
/// path.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as ItemFn);
    expand_main(args.into(), input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Turns an `async fn` into one `#[test]` per backend compiled into anyrt, but those named in
/// `except(backend = "reason", ...)`; `crate = "path"` names anyrt by another path.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as ItemFn);
    expand_test(args.into(), input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// The path the generated code names anyrt by: `::anyrt`, unless the attribute was given
/// `crate = "path"`. A dependency renamed in Cargo.toml, or a crate that re-exports anyrt, has no
/// `::anyrt` to name, so the expansion would not resolve without it (tokio's attributes take the
/// same argument for the same reason).
fn crate_path(given: Option<syn::Path>) -> proc_macro2::TokenStream {
    match given {
        Some(path) => quote!(#path),
        None => quote!(::anyrt),
    }
}

/// Parses the value of `crate = "path"` into `slot`, given once: a path in a string literal, the
/// `name = "value"` form of Rust's own attributes, in which tokio's attributes take it too.
fn parse_crate(
    meta: &syn::meta::ParseNestedMeta<'_>,
    slot: &mut Option<syn::Path>,
    attr: &str,
) -> syn::Result<()> {
    let usage = format!("#[anyrt::{attr}] takes the path of anyrt as a string: `crate = \"path\"`");
    let value = meta.value().map_err(|_| meta.error(&usage))?;
    let lit: syn::LitStr = value.parse().map_err(|e| Error::new(e.span(), &usage))?;
    // The path's tokens get the literal's span, so that `crate::...` in it means the caller's
    // crate.
    let path = lit.parse_with(syn::Path::parse_mod_style).map_err(|_| {
        Error::new_spanned(&lit, format!("`{}` is not a path; {usage}", lit.value()))
    })?;
    if slot.is_some() {
        return Err(meta.error(format!("#[anyrt::{attr}] takes `crate` once")));
    }
    *slot = Some(path);
    Ok(())
}

/// The arguments of `#[anyrt::main]`: only `crate = "path"`.
fn parse_main_args(args: proc_macro2::TokenStream) -> syn::Result<Option<syn::Path>> {
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            return parse_crate(&meta, &mut krate, "main");
        }
        Err(meta.error("#[anyrt::main] takes only `crate = \"path\"`"))
    });
    syn::parse::Parser::parse2(parser, args)?;
    Ok(krate)
}

/// The arguments of `#[anyrt::test]`, in any order: `crate = "path"`, and the backends
/// `except(backend = "why", ...)` leaves out, each with the reason, which is required: an
/// exclusion is a promise the suite does not keep there, and says why.
fn parse_test_args(
    args: proc_macro2::TokenStream,
) -> syn::Result<(Vec<syn::Ident>, Option<syn::Path>)> {
    let mut excluded = Vec::new();
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            return parse_crate(&meta, &mut krate, "test");
        }
        if !meta.path.is_ident("except") {
            return Err(meta.error(
                "#[anyrt::test] takes only `except(backend = \"reason\", ...)` and \
                 `crate = \"path\"`",
            ));
        }
        meta.parse_nested_meta(|backend| {
            let ident = backend.path.require_ident()?.clone();
            let reason: syn::LitStr = backend.value()?.parse()?;
            if reason.value().trim().is_empty() {
                return Err(Error::new_spanned(
                    reason,
                    "say why the backend is left out",
                ));
            }
            excluded.push(ident);
            Ok(())
        })
    });
    syn::parse::Parser::parse2(parser, args)?;
    Ok((excluded, krate))
}

/// Rejects functions the attributes cannot run.
fn check_fn(input: &ItemFn, attr: &str) -> syn::Result<()> {
    let sig = &input.sig;
    if sig.asyncness.is_none() {
        return Err(Error::new_spanned(
            sig.fn_token,
            format!("#[anyrt::{attr}] goes on an `async fn`"),
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(Error::new_spanned(
            &sig.inputs,
            format!("an #[anyrt::{attr}] function takes no arguments"),
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &sig.generics,
            format!("an #[anyrt::{attr}] function cannot be generic"),
        ));
    }
    Ok(())
}

fn expand_main(
    args: proc_macro2::TokenStream,
    input: ItemFn,
) -> syn::Result<proc_macro2::TokenStream> {
    let krate = crate_path(parse_main_args(args)?);
    check_fn(&input, "main")?;
    let (attrs, vis, block) = (&input.attrs, &input.vis, &input.block);
    let mut sig = input.sig.clone();
    sig.asyncness = None;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #krate::block_on(async move #block)
        }
    })
}

fn expand_test(
    args: proc_macro2::TokenStream,
    input: ItemFn,
) -> syn::Result<proc_macro2::TokenStream> {
    let (excluded, krate) = parse_test_args(args)?;
    let krate = crate_path(krate);
    check_fn(&input, "test")?;
    let name = &input.sig.ident;
    let ret = match &input.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    // `cfg` decides whether the whole test exists, so it stays on the function and the module
    // too; every other attribute (`ignore`, `should_panic`, ...) goes on each generated test.
    let (cfgs, others): (Vec<_>, Vec<_>) = input
        .attrs
        .iter()
        .partition(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"));
    let vis = &input.vis;
    let sig = &input.sig;
    let block = &input.block;
    let doc = format!("The tests of `{name}`, one per backend compiled into anyrt.");
    // The `async fn` keeps its name and place, so paths in its body mean what they meant; the
    // module of the same name (modules and functions live in different namespaces) holds the
    // tests, named after the backends.
    Ok(quote! {
        #(#cfgs)*
        #[allow(dead_code)]
        #vis #sig #block

        #(#cfgs)*
        #[doc = #doc]
        #[allow(non_snake_case)]
        mod #name {
            #[allow(unused_imports)]
            use super::*;

            #krate::__anyrt_test_each_backend! { [#(#excluded)*] [#(#others)*] #name -> #ret }
        }
    })
}

// The attributes' arguments, parsed outside a compiler (proc-macro2 falls back to its own token
// types there): the integration tests only see arguments that compile.
#[cfg(test)]
mod tests {
    // Not `super::*`: that would bring this crate's `test` attribute over the built-in one.
    use super::{expand_main, expand_test, parse_main_args, parse_test_args};
    use quote::quote;
    use syn::ItemFn;

    fn main_error(args: proc_macro2::TokenStream) -> String {
        // `Option<syn::Path>` is not `Debug` without syn's extra-traits, so no `unwrap_err`.
        match parse_main_args(args) {
            Ok(_) => panic!("the arguments were accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn test_error(args: proc_macro2::TokenStream) -> String {
        match parse_test_args(args) {
            Ok(_) => panic!("the arguments were accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn path_text(path: Option<syn::Path>) -> Option<String> {
        path.map(|path| quote!(#path).to_string())
    }

    #[test]
    fn main_takes_nothing_or_a_crate_path() {
        assert!(parse_main_args(quote!()).unwrap().is_none());
        let path = parse_main_args(quote!(crate = "crate::shim")).unwrap();
        assert_eq!(path_text(path).as_deref(), Some("crate :: shim"));
        let path = parse_main_args(quote!(crate = "::renamed")).unwrap();
        assert_eq!(path_text(path).as_deref(), Some(":: renamed"));
    }

    #[test]
    fn main_rejects_other_arguments_with_an_anyrt_message() {
        let only = "#[anyrt::main] takes only `crate = \"path\"`";
        assert_eq!(main_error(quote!(flavor = "multi_thread")), only);
        assert_eq!(main_error(quote!(except(smol = "why"))), only);
        assert_eq!(main_error(quote!(crate = "a", other)), only);
    }

    #[test]
    fn a_crate_argument_needs_one_path_in_a_string() {
        let usage = "#[anyrt::main] takes the path of anyrt as a string: `crate = \"path\"`";
        assert_eq!(main_error(quote!(crate)), usage);
        assert_eq!(main_error(quote!(crate = anyrt)), usage);
        assert_eq!(
            main_error(quote!(crate = "not a path")),
            format!("`not a path` is not a path; {usage}")
        );
        assert_eq!(
            main_error(quote!(crate = "a", crate = "b")),
            "#[anyrt::main] takes `crate` once"
        );
    }

    #[test]
    fn test_takes_except_and_crate_in_either_order() {
        let (excluded, path) = parse_test_args(quote!()).unwrap();
        assert!(excluded.is_empty() && path.is_none());
        for args in [
            quote!(except(smol = "why"), crate = "crate::shim"),
            quote!(crate = "crate::shim", except(smol = "why")),
        ] {
            let (excluded, path) = parse_test_args(args).unwrap();
            assert_eq!(excluded, ["smol"]);
            assert_eq!(path_text(path).as_deref(), Some("crate :: shim"));
        }
        let (excluded, path) = parse_test_args(quote!(except(tokio = "why"))).unwrap();
        assert_eq!(excluded, ["tokio"]);
        assert!(path.is_none());
    }

    #[test]
    fn test_rejects_other_arguments_with_an_anyrt_message() {
        assert_eq!(
            test_error(quote!(crate = "a", timeout = 5)),
            "#[anyrt::test] takes only `except(backend = \"reason\", ...)` and `crate = \"path\"`"
        );
        assert_eq!(
            test_error(quote!(crate = "a", except(smol = "why"), crate = "b")),
            "#[anyrt::test] takes `crate` once"
        );
        assert_eq!(
            test_error(quote!(except(smol = " "), crate = "a")),
            "say why the backend is left out"
        );
    }

    #[test]
    fn the_expansions_name_anyrt_by_the_given_path() {
        let item: ItemFn = syn::parse2(quote!(
            async fn f() {}
        ))
        .unwrap();
        let main = |args| expand_main(args, item.clone()).unwrap().to_string();
        let test = |args| expand_test(args, item.clone()).unwrap().to_string();
        assert!(main(quote!()).contains(":: anyrt :: block_on"));
        assert!(main(quote!(crate = "crate::shim")).contains("crate :: shim :: block_on"));
        assert!(!main(quote!(crate = "crate::shim")).contains("anyrt"));
        assert!(test(quote!()).contains(":: anyrt :: __anyrt_test_each_backend"));
        let shimmed = test(quote!(crate = "crate::shim"));
        assert!(shimmed.contains("crate :: shim :: __anyrt_test_each_backend"));
        assert!(!shimmed.contains(":: anyrt ::"));
    }
}
