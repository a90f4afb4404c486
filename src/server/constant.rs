//! Whether a stored expression is a constant in disguise, by PostgreSQL's own constant folding.

use super::scope::Scope;
use super::scratch_context::ScratchContext;
use pgrx::pg_sys;
use std::ffi::CString;

/// Whether a stored expression (a pg_node_tree) always evaluates to true: `true`, `1 = 1`,
/// `'a' = 'a'`, `NOT false`, `true OR x`... eval_const_expressions folds it as the planner
/// would (evaluating immutable functions only): a column stays a column, so `id = id` is not
/// folded, while `true OR id > 0` is. Expressions with a parameter or a subquery are left alone
/// (the folding is meant for planned trees there). Folding runs in a rolled-back scope: a
/// constant that raises (`1/0 = 1`) is simply not always true.
pub fn folds_to_true(tree: &str) -> bool {
    if ["{PARAM ", "{SUBLINK "].iter().any(|node| tree.contains(node)) {
        return false;
    }
    let Ok(c_tree) = CString::new(tree) else { return false };
    Scope::rolled_back()
        .run(|_| {
            let _scratch = ScratchContext::enter();
            // SAFETY: `c_tree` is a NUL-terminated pg_node_tree text that PostgreSQL itself wrote
            // (pg_policy.polqual); stringToNode rebuilds the expression in the scratch context.
            // eval_const_expressions accepts a NULL root (no planner state) and returns a node in
            // the same context, which we only read before the context is freed.
            unsafe {
                let node = pg_sys::stringToNode(c_tree.as_ptr()) as *mut pg_sys::Node;
                let folded = pg_sys::eval_const_expressions(std::ptr::null_mut(), node);
                is_true_constant(folded)
            }
        })
        .unwrap_or(false)
}

/// SAFETY: `node` is NULL or a valid node.
unsafe fn is_true_constant(node: *mut pg_sys::Node) -> bool {
    if node.is_null() {
        return false;
    }
    // SAFETY: the tag says the node is a Const; a Const of type bool carries its value in
    // constvalue when not NULL.
    unsafe {
        if (*node).type_ != pg_sys::NodeTag::T_Const {
            return false;
        }
        let constant = &*(node as *const pg_sys::Const);
        constant.consttype == pg_sys::BOOLOID && !constant.constisnull && constant.constvalue.value() != 0
    }
}
