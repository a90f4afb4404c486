//! What a statement is, read from PostgreSQL's raw parse tree (no analysis, so no catalog
//! access and no lock): its command tag, the ALTER TABLE actions it performs, the relations it
//! names. The risk model (`confiture_core::risk`) judges from this.

use super::parser::to_c_string;
use super::scratch_context::ScratchContext;
use confiture_core::risk::{LockMode, Shape};
use pgrx::list::old_list::PgList;
use pgrx::pg_sys;
use pgrx::pg_sys::{AlterTableType as At, ConstrType as Ct, NodeTag as T};
use pgrx::PgTryBuilder;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;

/// The shape of the first statement of `statement`; an empty shape when it does not parse
/// (the caller already split the text with the same parser, so that does not happen).
pub fn shape_of(statement: &str) -> Shape {
    let text = to_c_string(statement);
    let parse = AssertUnwindSafe(|| {
        let _scratch = ScratchContext::enter();
        // SAFETY: raw_parser reads the NUL-terminated text and returns a List of RawStmt
        // allocated in the scratch context; everything kept is copied into Rust values first.
        unsafe {
            let list = pg_sys::raw_parser(text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
            let statements = PgList::<pg_sys::RawStmt>::from_pg(list);
            Ok::<_, ()>(statements.get_ptr(0).map(|raw| shape_of_node((*raw).stmt)).unwrap_or_default())
        }
    });
    PgTryBuilder::new(parse).catch_others(|_| Ok(Shape::default())).execute().unwrap_or_default()
}

/// SAFETY (every function below): pointers are nodes of a valid raw parse tree, of the type
/// their tag says; strings are NUL-terminated or NULL.
unsafe fn text(pointer: *const std::ffi::c_char) -> String {
    if pointer.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(pointer) }.to_string_lossy().into_owned()
    }
}

unsafe fn quoted(name: *const std::ffi::c_char) -> String {
    unsafe { text(pg_sys::quote_identifier(name)) }
}

/// "schema.name" (each part quoted as quote_ident would) or "name".
unsafe fn range_var(relation: *const pg_sys::RangeVar) -> Option<String> {
    if relation.is_null() {
        return None;
    }
    let relation = unsafe { &*relation };
    let name = unsafe { quoted(relation.relname) };
    Some(if relation.schemaname.is_null() {
        name
    } else {
        format!("{}.{name}", unsafe { quoted(relation.schemaname) })
    })
}

/// A qualified name given as a List of String nodes, without its last `drop_last` parts.
unsafe fn name_list(list: *mut pg_sys::List, drop_last: usize) -> Option<String> {
    let parts = unsafe { PgList::<pg_sys::String>::from_pg(list) };
    let names: Vec<String> = parts.iter_ptr().map(|s| unsafe { quoted((*s).sval) }).collect();
    let keep = names.len().checked_sub(drop_last).filter(|n| *n > 0)?;
    Some(names[..keep].join("."))
}

unsafe fn has_option(options: *mut pg_sys::List, name: &str) -> bool {
    let options = unsafe { PgList::<pg_sys::DefElem>::from_pg(options) };
    let found = options.iter_ptr().any(|o| unsafe { text((*o).defname) } == name);
    found
}

unsafe fn shape_of_node(node: *mut pg_sys::Node) -> Shape {
    let mut shape = Shape {
        command: unsafe { text(pg_sys::GetCommandTagName(pg_sys::CreateCommandTag(node))) },
        ..Shape::default()
    };
    unsafe {
        match (*node).type_ {
            T::T_AlterTableStmt => {
                let alter = &*(node as *const pg_sys::AlterTableStmt);
                add_relation(&mut shape, range_var(alter.relation));
                for command in PgList::<pg_sys::AlterTableCmd>::from_pg(alter.cmds).iter_ptr() {
                    alter_table_action(&mut shape, &*command);
                }
            }
            T::T_RenameStmt => {
                let rename = &*(node as *const pg_sys::RenameStmt);
                add_relation(&mut shape, range_var(rename.relation));
                let action = match rename.renameType {
                    pg_sys::ObjectType::OBJECT_COLUMN => "RENAME COLUMN",
                    pg_sys::ObjectType::OBJECT_TABCONSTRAINT => "RENAME CONSTRAINT",
                    pg_sys::ObjectType::OBJECT_TRIGGER => "RENAME TRIGGER",
                    _ => "RENAME",
                };
                shape.actions.push(action.into());
                if !rename.subname.is_null() {
                    shape.column = Some(text(rename.subname));
                }
            }
            T::T_IndexStmt => {
                let index = &*(node as *const pg_sys::IndexStmt);
                add_relation(&mut shape, range_var(index.relation));
                shape.concurrently = index.concurrent;
            }
            T::T_DropStmt => {
                let drop = &*(node as *const pg_sys::DropStmt);
                shape.concurrently = drop.concurrent;
                // Triggers, policies and rules are named "table.object": keep the table.
                let drop_last = match drop.removeType {
                    pg_sys::ObjectType::OBJECT_TRIGGER
                    | pg_sys::ObjectType::OBJECT_POLICY
                    | pg_sys::ObjectType::OBJECT_RULE => 1,
                    pg_sys::ObjectType::OBJECT_TABLE
                    | pg_sys::ObjectType::OBJECT_VIEW
                    | pg_sys::ObjectType::OBJECT_MATVIEW
                    | pg_sys::ObjectType::OBJECT_INDEX
                    | pg_sys::ObjectType::OBJECT_FOREIGN_TABLE => 0,
                    _ => return shape,
                };
                for object in PgList::<pg_sys::List>::from_pg(drop.objects).iter_ptr() {
                    add_relation(&mut shape, name_list(object, drop_last));
                }
            }
            T::T_CreateTrigStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::CreateTrigStmt)).relation))
            }
            T::T_CreatePolicyStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::CreatePolicyStmt)).table))
            }
            T::T_AlterPolicyStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::AlterPolicyStmt)).table))
            }
            T::T_RuleStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::RuleStmt)).relation))
            }
            T::T_CommentStmt => {
                let comment = &*(node as *const pg_sys::CommentStmt);
                let drop_last = match comment.objtype {
                    pg_sys::ObjectType::OBJECT_ROLE
                    | pg_sys::ObjectType::OBJECT_DATABASE
                    | pg_sys::ObjectType::OBJECT_TABLESPACE => {
                        shape.actions.push("ON A SHARED OBJECT".into());
                        return shape;
                    }
                    pg_sys::ObjectType::OBJECT_COLUMN => 1,
                    pg_sys::ObjectType::OBJECT_TABLE
                    | pg_sys::ObjectType::OBJECT_VIEW
                    | pg_sys::ObjectType::OBJECT_MATVIEW => 0,
                    _ => return shape,
                };
                add_relation(&mut shape, name_list(comment.object as *mut pg_sys::List, drop_last));
            }
            T::T_TruncateStmt => {
                let truncate = &*(node as *const pg_sys::TruncateStmt);
                for rv in PgList::<pg_sys::RangeVar>::from_pg(truncate.relations).iter_ptr() {
                    add_relation(&mut shape, range_var(rv));
                }
            }
            T::T_VacuumStmt => {
                let vacuum = &*(node as *const pg_sys::VacuumStmt);
                if has_option(vacuum.options, "full") {
                    shape.actions.push("FULL".into());
                }
                for rel in PgList::<pg_sys::VacuumRelation>::from_pg(vacuum.rels).iter_ptr() {
                    add_relation(&mut shape, range_var((*rel).relation));
                }
            }
            T::T_ClusterStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::ClusterStmt)).relation))
            }
            T::T_ReindexStmt => {
                let reindex = &*(node as *const pg_sys::ReindexStmt);
                shape.concurrently = has_option(reindex.params, "concurrently");
                add_relation(&mut shape, range_var(reindex.relation));
            }
            T::T_RefreshMatViewStmt => {
                let refresh = &*(node as *const pg_sys::RefreshMatViewStmt);
                shape.concurrently = refresh.concurrent;
                add_relation(&mut shape, range_var(refresh.relation));
            }
            T::T_LockStmt => {
                let lock = &*(node as *const pg_sys::LockStmt);
                // LOCK's mode is PostgreSQL's lock number: 1 (ACCESS SHARE) to 8.
                if let Some(mode) = LockMode::ALL.get((lock.mode as usize).wrapping_sub(1)) {
                    shape.actions.push(mode.label().into());
                }
                for rv in PgList::<pg_sys::RangeVar>::from_pg(lock.relations).iter_ptr() {
                    add_relation(&mut shape, range_var(rv));
                }
            }
            T::T_UpdateStmt => {
                let update = &*(node as *const pg_sys::UpdateStmt);
                shape.has_where = !update.whereClause.is_null();
                add_relation(&mut shape, range_var(update.relation));
            }
            T::T_DeleteStmt => {
                let delete = &*(node as *const pg_sys::DeleteStmt);
                shape.has_where = !delete.whereClause.is_null();
                add_relation(&mut shape, range_var(delete.relation));
            }
            T::T_InsertStmt => {
                add_relation(&mut shape, range_var((*(node as *const pg_sys::InsertStmt)).relation))
            }
            T::T_VariableSetStmt => {
                let set = &*(node as *const pg_sys::VariableSetStmt);
                if text(set.name) == "lock_timeout" {
                    shape.sets_lock_timeout = Some(set_value_is_nonzero(set));
                }
            }
            T::T_CreateStmt => {
                let create = &*(node as *const pg_sys::CreateStmt);
                let mut constraints = Vec::new();
                for element in PgList::<pg_sys::Node>::from_pg(create.tableElts).iter_ptr() {
                    match (*element).type_ {
                        T::T_ColumnDef => constraints.extend(
                            PgList::<pg_sys::Constraint>::from_pg(
                                (*(element as *const pg_sys::ColumnDef)).constraints,
                            )
                            .iter_ptr(),
                        ),
                        T::T_Constraint => constraints.push(element as *mut pg_sys::Constraint),
                        _ => {}
                    }
                }
                for constraint in constraints.into_iter().filter(|c| (**c).contype == Ct::CONSTR_FOREIGN) {
                    shape.actions.push("REFERENCES".into());
                    add_relation(&mut shape, range_var((*constraint).pktable));
                }
            }
            _ => {}
        }
    }
    shape
}

fn add_relation(shape: &mut Shape, name: Option<String>) {
    if let Some(name) = name.filter(|n| !shape.relations.contains(n)) {
        shape.relations.push(name);
    }
}

/// `SET lock_timeout = 0` (or '0', '0s', DEFAULT, RESET) lifts the limit; anything else sets one.
unsafe fn set_value_is_nonzero(set: &pg_sys::VariableSetStmt) -> bool {
    if set.kind != pg_sys::VariableSetKind::VAR_SET_VALUE {
        return false;
    }
    let Some(value) = (unsafe { PgList::<pg_sys::A_Const>::from_pg(set.args) }).get_ptr(0) else {
        return false;
    };
    let value = unsafe { &*value };
    if value.isnull {
        return false;
    }
    match value.val.node.type_ {
        T::T_Integer => unsafe { value.val.ival.ival != 0 },
        T::T_Float | T::T_String => {
            let text = unsafe { text(value.val.sval.sval) };
            !text
                .trim_start_matches(|c: char| c == '0' || c == '.' || c.is_whitespace())
                .chars()
                .all(char::is_alphabetic)
        }
        _ => true,
    }
}

unsafe fn alter_table_action(shape: &mut Shape, command: &pg_sys::AlterTableCmd) {
    let name = unsafe { text(command.name) };
    let column = |shape: &mut Shape| {
        if shape.column.is_none() && !name.is_empty() {
            shape.column = Some(name.clone());
        }
    };
    let action: String = match command.subtype {
        At::AT_AddColumn | At::AT_AddColumnRecurse => {
            return unsafe { add_column(shape, command.def as *const pg_sys::ColumnDef) };
        }
        At::AT_ColumnDefault if command.def.is_null() => "DROP DEFAULT".into(),
        At::AT_ColumnDefault => "SET DEFAULT".into(),
        At::AT_DropNotNull => "DROP NOT NULL".into(),
        At::AT_SetNotNull => "SET NOT NULL".into(),
        At::AT_DropExpression => "DROP EXPRESSION".into(),
        At::AT_SetStatistics => "SET STATISTICS".into(),
        At::AT_SetOptions | At::AT_ResetOptions => "SET ATTRIBUTE OPTIONS".into(),
        At::AT_SetStorage => "SET STORAGE".into(),
        At::AT_SetCompression => "SET COMPRESSION".into(),
        At::AT_DropColumn | At::AT_DropColumnRecurse => {
            column(shape);
            "DROP COLUMN".into()
        }
        At::AT_AddConstraint | At::AT_AddConstraintRecurse | At::AT_AddIndexConstraint => {
            return unsafe { add_constraint(shape, command.def as *const pg_sys::Constraint) };
        }
        At::AT_AlterConstraint => "ALTER CONSTRAINT".into(),
        At::AT_ValidateConstraint | At::AT_ValidateConstraintRecurse => {
            shape.constraint = Some(name.clone());
            "VALIDATE CONSTRAINT".into()
        }
        At::AT_DropConstraint | At::AT_DropConstraintRecurse => "DROP CONSTRAINT".into(),
        At::AT_AlterColumnType => {
            column(shape);
            "ALTER COLUMN TYPE".into()
        }
        At::AT_ChangeOwner => "OWNER TO".into(),
        At::AT_ClusterOn => "CLUSTER ON".into(),
        At::AT_DropCluster => "SET WITHOUT CLUSTER".into(),
        At::AT_SetLogged => "SET LOGGED".into(),
        At::AT_SetUnLogged => "SET UNLOGGED".into(),
        At::AT_SetAccessMethod => "SET ACCESS METHOD".into(),
        At::AT_SetTableSpace => "SET TABLESPACE".into(),
        At::AT_SetRelOptions | At::AT_ResetRelOptions | At::AT_ReplaceRelOptions => {
            let options = unsafe { PgList::<pg_sys::DefElem>::from_pg(command.def as *mut pg_sys::List) };
            let names: Vec<String> = options
                .iter_ptr()
                .map(|o| unsafe {
                    let namespace = text((*o).defnamespace);
                    let name = text((*o).defname);
                    if namespace.is_empty() {
                        name
                    } else {
                        format!("{namespace}.{name}")
                    }
                })
                .collect();
            let verb = if command.subtype == At::AT_ResetRelOptions { "RESET" } else { "SET" };
            format!("{verb} ({})", names.join(", "))
        }
        At::AT_EnableTrig
        | At::AT_EnableAlwaysTrig
        | At::AT_EnableReplicaTrig
        | At::AT_EnableTrigAll
        | At::AT_EnableTrigUser => "ENABLE TRIGGER".into(),
        At::AT_DisableTrig | At::AT_DisableTrigAll | At::AT_DisableTrigUser => "DISABLE TRIGGER".into(),
        At::AT_EnableRule | At::AT_EnableAlwaysRule | At::AT_EnableReplicaRule | At::AT_DisableRule => {
            "ENABLE RULE".into()
        }
        At::AT_AddInherit => "INHERIT".into(),
        At::AT_DropInherit => "NO INHERIT".into(),
        At::AT_ReplicaIdentity => "REPLICA IDENTITY".into(),
        At::AT_EnableRowSecurity
        | At::AT_DisableRowSecurity
        | At::AT_ForceRowSecurity
        | At::AT_NoForceRowSecurity => "ROW LEVEL SECURITY".into(),
        At::AT_AttachPartition => {
            let partition = command.def as *const pg_sys::PartitionCmd;
            add_relation(shape, unsafe { range_var((*partition).name) });
            "ATTACH PARTITION".into()
        }
        At::AT_DetachPartition if unsafe { (*(command.def as *const pg_sys::PartitionCmd)).concurrent } => {
            "DETACH PARTITION CONCURRENTLY".into()
        }
        At::AT_DetachPartition | At::AT_DetachPartitionFinalize => "DETACH PARTITION".into(),
        At::AT_AddIdentity => "ADD IDENTITY".into(),
        At::AT_SetIdentity => "SET IDENTITY".into(),
        At::AT_DropIdentity => "DROP IDENTITY".into(),
        At::AT_GenericOptions => "OPTIONS".into(),
        other => format!("ALTER TABLE subcommand {other}"),
    };
    shape.actions.push(action);
}

unsafe fn add_column(shape: &mut Shape, column: *const pg_sys::ColumnDef) {
    if column.is_null() {
        return;
    }
    let constraints = unsafe { PgList::<pg_sys::Constraint>::from_pg((*column).constraints) };
    let kinds: Vec<Ct::Type> = constraints.iter_ptr().map(|c| unsafe { (*c).contype }).collect();
    let action = if kinds.contains(&Ct::CONSTR_IDENTITY) {
        "ADD COLUMN IDENTITY"
    } else if kinds.contains(&Ct::CONSTR_GENERATED) {
        "ADD COLUMN GENERATED"
    } else if kinds.contains(&Ct::CONSTR_DEFAULT) {
        "ADD COLUMN DEFAULT"
    } else {
        "ADD COLUMN"
    };
    shape.actions.push(action.into());
    for constraint in constraints.iter_ptr() {
        if !matches!(
            unsafe { (*constraint).contype },
            Ct::CONSTR_IDENTITY
                | Ct::CONSTR_GENERATED
                | Ct::CONSTR_DEFAULT
                | Ct::CONSTR_NOTNULL
                | Ct::CONSTR_NULL
        ) {
            unsafe { add_constraint(shape, constraint) };
        }
    }
}

unsafe fn add_constraint(shape: &mut Shape, constraint: *const pg_sys::Constraint) {
    if constraint.is_null() || unsafe { (*constraint).type_ } != T::T_Constraint {
        return;
    }
    let constraint = unsafe { &*constraint };
    let kind = match constraint.contype {
        Ct::CONSTR_CHECK => "CHECK",
        Ct::CONSTR_FOREIGN => {
            add_relation(shape, unsafe { range_var(constraint.pktable) });
            "FOREIGN KEY"
        }
        Ct::CONSTR_PRIMARY => "PRIMARY KEY",
        Ct::CONSTR_UNIQUE => "UNIQUE",
        Ct::CONSTR_EXCLUSION => "EXCLUDE",
        _ => "OTHER",
    };
    let mut action = format!("ADD CONSTRAINT {kind}");
    if !constraint.indexname.is_null() {
        action.push_str(" USING INDEX");
    }
    if constraint.skip_validation {
        action.push_str(" NOT VALID");
    }
    shape.actions.push(action);
}
