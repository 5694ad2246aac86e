//! `select!`: parse the branches, then generate one future that polls them all.
//!
//! The generated code, for branches `0..n`:
//!
//! 1. evaluates every precondition, marking the branches whose precondition is false as
//!    disabled (a bit each in a `u64`);
//! 2. evaluates every async expression, in order, and pins each future on the stack (those of
//!    disabled branches too, as they are written in the caller's code, but they are never
//!    polled);
//! 3. polls the enabled futures, starting at a random branch on each poll (at branch 0 with
//!    `biased;`), until one completes with a value its pattern matches; a value that does not
//!    match disables that branch;
//! 4. drops every future, then runs the chosen branch's handler, or `else` once every branch is
//!    disabled.
//!
//! Internal names are `mixed_site`, so they neither see nor shadow the caller's.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{Error, Expr, Ident, Pat, Token};

syn::custom_keyword!(biased);

/// The input: `$crate; [biased;] branches...`.
pub(crate) struct Select {
    krate: TokenStream,
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

/// `<pattern> = <async expression> [, if <precondition>] => <handler>`
struct Branch {
    pattern: Pat,
    future: Expr,
    precondition: Option<Expr>,
    handler: Expr,
}

/// The tokens before the first `;`: the path of the anyrt crate, as `$crate` gave it.
pub(crate) fn parse_krate(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut krate = TokenStream::new();
    while !input.peek(Token![;]) {
        krate.extend([input.parse::<TokenTree>()?]);
    }
    input.parse::<Token![;]>()?;
    Ok(krate)
}

/// A handler: a block (after which the comma is optional) or any expression.
fn parse_handler(input: ParseStream<'_>) -> syn::Result<(Expr, bool)> {
    if input.peek(syn::token::Brace) {
        Ok((Expr::Block(input.parse()?), true))
    } else {
        Ok((input.parse()?, false))
    }
}

/// Ends a branch: a comma, optional after a block.
fn parse_separator(input: ParseStream<'_>, block: bool) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !block {
        return Err(input.error("expected `,` after this `select!` branch"));
    }
    Ok(())
}

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_krate(input)?;
        let biased = input.peek(biased) && input.peek2(Token![;]);
        if biased {
            input.parse::<biased>()?;
            input.parse::<Token![;]>()?;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let token = input.parse::<Token![else]>()?;
                if otherwise.is_some() {
                    return Err(Error::new(token.span, "`select!` takes one `else` branch"));
                }
                input.parse::<Token![=>]>()?;
                let (handler, block) = parse_handler(input)?;
                parse_separator(input, block)?;
                otherwise = Some(handler);
                continue;
            }
            let pattern = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let future: Expr = input.parse()?;
            let precondition = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            input.parse::<Token![=>]>()?;
            let (handler, block) = parse_handler(input)?;
            parse_separator(input, block)?;
            branches.push(Branch {
                pattern,
                future,
                precondition,
                handler,
            });
        }
        if branches.len() > 64 {
            return Err(Error::new(
                Span::call_site(),
                "`select!` takes at most 64 branches",
            ));
        }
        if branches.is_empty() && otherwise.is_none() {
            return Err(Error::new(
                Span::call_site(),
                "`select!` needs at least one branch",
            ));
        }
        Ok(Select {
            krate,
            biased,
            branches,
            otherwise,
        })
    }
}

/// Strips `ref` and `mut` from bindings, so the pattern can test a reference to the value
/// without moving out of it.
struct TestOnly;

impl VisitMut for TestOnly {
    fn visit_pat_ident_mut(&mut self, binding: &mut syn::PatIdent) {
        binding.by_ref = None;
        binding.mutability = None;
        syn::visit_mut::visit_pat_ident_mut(self, binding);
    }
}

fn internal(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

pub(crate) fn expand(select: Select) -> TokenStream {
    let Select {
        krate,
        biased,
        branches,
        otherwise,
    } = select;
    let support = quote!(#krate::__private);
    let count = branches.len();
    if count == 0 {
        let otherwise = otherwise.expect("parsed: no branch means an `else`");
        return quote!({ #otherwise });
    }
    let all = if count == 64 {
        u64::MAX
    } else {
        (1u64 << count) - 1
    };
    let all = Literal::u64_unsuffixed(all);
    let count_lit = Literal::usize_unsuffixed(count);

    let disabled = internal("__disabled");
    let output = internal("__output");
    let out_enum = internal("__Out");
    let cx = internal("__cx");
    let value = internal("__value");
    let matched = internal("__matched");
    let start = internal("__start");
    let step = internal("__step");

    let futures: Vec<Ident> = (0..count)
        .map(|i| internal(&format!("__future{i}")))
        .collect();
    let types: Vec<Ident> = (0..count).map(|i| internal(&format!("__T{i}"))).collect();
    let variants: Vec<Ident> = (0..count)
        .map(|i| internal(&format!("__Branch{i}")))
        .collect();

    let preconditions = branches.iter().enumerate().filter_map(|(i, branch)| {
        let condition = branch.precondition.as_ref()?;
        let bit = Literal::u64_unsuffixed(1 << i);
        Some(quote! {
            if !(#condition) {
                #disabled |= #bit;
            }
        })
    });

    let pins = branches.iter().zip(&futures).map(|(branch, name)| {
        let future = &branch.future;
        quote! {
            let mut #name = #support::pin!(#support::IntoFuture::into_future(#future));
        }
    });

    let polls = branches.iter().enumerate().map(|(i, branch)| {
        let index = Literal::usize_unsuffixed(i);
        let bit = Literal::u64_unsuffixed(1 << i);
        let future = &futures[i];
        let variant = &variants[i];
        let mut test = branch.pattern.clone();
        TestOnly.visit_pat_mut(&mut test);
        quote! {
            #index => {
                if #disabled & #bit != 0 {
                    continue;
                }
                if let #support::Poll::Ready(#value) =
                    #support::Future::poll(#future.as_mut(), #cx)
                {
                    #[allow(unused_variables, unreachable_patterns)]
                    let #matched = match &#value {
                        #test => true,
                        _ => false,
                    };
                    if #matched {
                        return #support::Poll::Ready(#out_enum::#variant(#value));
                    }
                    #disabled |= #bit;
                }
            }
        }
    });

    // One future needs no rotation (and `x % 1` trips a lint in the caller's crate).
    let index = if count == 1 {
        quote!(#step)
    } else {
        quote!((#start + #step) % #count_lit)
    };
    let start_value = if biased || count == 1 {
        quote!(0)
    } else {
        quote!(#support::select_start(#count_lit))
    };

    let arms = branches.iter().zip(&variants).map(|(branch, variant)| {
        let pattern = &branch.pattern;
        let handler = &branch.handler;
        quote! {
            #out_enum::#variant(#pattern) => #handler,
        }
    });

    let otherwise = match otherwise {
        Some(handler) => quote!(#handler),
        None => quote! {
            ::core::panic!(
                "anyrt: every branch of `select!` is disabled and there is no `else` branch"
            )
        },
    };

    quote! {{
        #[allow(unused_mut)]
        let mut #disabled: u64 = 0;
        #(#preconditions)*
        enum #out_enum<#(#types,)*> {
            #(#variants(#types),)*
            Disabled,
        }
        let #output = {
            #(#pins)*
            #support::poll_fn(|#cx| {
                let #start: usize = #start_value;
                for #step in 0..#count_lit {
                    match #index {
                        #(#polls)*
                        _ => ::core::unreachable!(),
                    }
                }
                if #disabled == #all {
                    #support::Poll::Ready(#out_enum::Disabled)
                } else {
                    #support::Poll::Pending
                }
            })
            .await
        };
        match #output {
            #(#arms)*
            #out_enum::Disabled => #otherwise,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("anyrt: a `select!` value matched its pattern, then did not"),
        }
    }}
}
