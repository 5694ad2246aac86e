//! `join!` and `try_join!`: poll every future on the caller's task until all are done (or, for
//! `try_join!`, until one fails).
//!
//! Each future is pinned on the stack inside a `MaybeDone`, which keeps its output once it
//! completes. Without `biased;`, each poll starts one future further along than the previous
//! one, so a future that is always ready cannot keep the others waiting; with `biased;` they
//! are polled in order. The rotation is a counter, not randomness, so it is the same on every
//! run.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

use crate::select::{biased, parse_krate};

/// The input: `$crate; [biased;] expressions...`.
pub(crate) struct Join {
    krate: TokenStream,
    biased: bool,
    futures: Vec<Expr>,
}

impl Parse for Join {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_krate(input)?;
        let biased = input.peek(biased) && input.peek2(Token![;]);
        if biased {
            input.parse::<biased>()?;
            input.parse::<Token![;]>()?;
        }
        let futures = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok(Join {
            krate,
            biased,
            futures: futures.into_iter().collect(),
        })
    }
}

fn internal(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// `join!` when `try_join` is false, `try_join!` when true.
pub(crate) fn expand(join: Join, try_join: bool) -> TokenStream {
    let Join {
        krate,
        biased,
        futures,
    } = join;
    let support = quote!(#krate::__private);
    let count = futures.len();
    if count == 0 {
        return if try_join {
            quote!(::core::result::Result::Ok(()))
        } else {
            quote!(())
        };
    }
    let count_lit = Literal::usize_unsuffixed(count);
    let cx = internal("__cx");
    let next = internal("__next");
    let start = internal("__start");
    let step = internal("__step");
    let pending = internal("__pending");
    let error = internal("__error");
    let names: Vec<Ident> = (0..count)
        .map(|i| internal(&format!("__future{i}")))
        .collect();

    let pins = futures.iter().zip(&names).map(|(future, name)| {
        quote! {
            let mut #name = #support::pin!(#support::MaybeDone::new(
                #support::IntoFuture::into_future(#future)
            ));
        }
    });

    let polls = names.iter().enumerate().map(|(i, name)| {
        let index = Literal::usize_unsuffixed(i);
        if try_join {
            quote! {
                #index => {
                    if #support::MaybeDone::poll_done(#name.as_mut(), #cx) {
                        if let ::core::option::Option::Some(#error) =
                            #support::MaybeDone::take_err(#name.as_mut())
                        {
                            return #support::Poll::Ready(::core::result::Result::Err(#error));
                        }
                    } else {
                        #pending = true;
                    }
                }
            }
        } else {
            quote! {
                #index => {
                    #pending |= !#support::MaybeDone::poll_done(#name.as_mut(), #cx);
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
        quote! {{
            let #start = #next;
            #next = (#next + 1) % #count_lit;
            #start
        }}
    };

    let done = if try_join {
        quote! {
            ::core::result::Result::Ok((
                #(#support::MaybeDone::take_ok(#names.as_mut()),)*
            ))
        }
    } else {
        quote! {
            (#(#support::MaybeDone::take_output(#names.as_mut()),)*)
        }
    };

    quote! {{
        #(#pins)*
        #[allow(unused_mut, unused_variables)]
        let mut #next: usize = 0;
        #support::poll_fn(|#cx| {
            let #start: usize = #start_value;
            let mut #pending = false;
            for #step in 0..#count_lit {
                match #index {
                    #(#polls)*
                    _ => ::core::unreachable!(),
                }
            }
            if #pending {
                #support::Poll::Pending
            } else {
                #support::Poll::Ready(#done)
            }
        })
        .await
    }}
}
