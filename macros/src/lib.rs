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

/// Runs an `async fn main` inside `anyrt::block_on`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as ItemFn);
    expand_main(args.into(), input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Turns an `async fn` into one `#[test]` per backend compiled into anyrt, but those named in
/// `except(backend = "reason", ...)`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as ItemFn);
    expand_test(args.into(), input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Rejects what the attributes do not support, with a message pointing at the culprit.
fn check(args: proc_macro2::TokenStream, input: &ItemFn, attr: &str) -> syn::Result<()> {
    if !args.is_empty() {
        return Err(Error::new_spanned(
            args,
            format!("#[anyrt::{attr}] takes no arguments"),
        ));
    }
    check_fn(input, attr)
}

/// The backends `#[anyrt::test(except(backend = "why", ...))]` leaves out, each with the reason,
/// which is required: an exclusion is a promise the suite does not keep there, and says why.
fn parse_except(args: proc_macro2::TokenStream) -> syn::Result<Vec<syn::Ident>> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let mut excluded = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if !meta.path.is_ident("except") {
            return Err(meta.error("#[anyrt::test] takes only `except(backend = \"reason\", ...)`"));
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
    Ok(excluded)
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
    check(args, &input, "main")?;
    let (attrs, vis, block) = (&input.attrs, &input.vis, &input.block);
    let mut sig = input.sig.clone();
    sig.asyncness = None;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            ::anyrt::block_on(async move #block)
        }
    })
}

fn expand_test(
    args: proc_macro2::TokenStream,
    input: ItemFn,
) -> syn::Result<proc_macro2::TokenStream> {
    let excluded = parse_except(args)?;
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

            ::anyrt::__anyrt_test_each_backend! { [#(#excluded)*] [#(#others)*] #name -> #ret }
        }
    })
}
