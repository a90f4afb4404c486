//! Hooks: functions taking and returning jsonb, registered per phase, run around each
//! migration. Pure part: phases, order, the context a hook receives, the signature check.
//! The server side is `hook_calls.rs`.

use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    BeforeValidation,
    BeforeDdl,
    AfterDdl,
    AfterValidation,
    Cleanup,
    OnError,
}

impl Phase {
    /// The phases around a script that succeeds, in the order they run.
    pub const BEFORE: [Phase; 2] = [Phase::BeforeValidation, Phase::BeforeDdl];
    pub const AFTER: [Phase; 3] = [Phase::AfterDdl, Phase::AfterValidation, Phase::Cleanup];

    pub fn parse(text: &str) -> Option<Phase> {
        [
            Phase::BeforeValidation,
            Phase::BeforeDdl,
            Phase::AfterDdl,
            Phase::AfterValidation,
            Phase::Cleanup,
            Phase::OnError,
        ]
        .into_iter()
        .find(|p| p.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::BeforeValidation => "before_validation",
            Phase::BeforeDdl => "before_ddl",
            Phase::AfterDdl => "after_ddl",
            Phase::AfterValidation => "after_validation",
            Phase::Cleanup => "cleanup",
            Phase::OnError => "on_error",
        }
    }
}

/// A registered hook. `hooks` lists are kept in run order: position, then registration.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    pub phase: Phase,
    /// The function's stored signature, e.g. `audit.check_rows(jsonb)`: resolved when the hook
    /// runs, and how errors name it.
    pub signature: String,
    /// Only for this migration version; None: every migration.
    pub version: Option<String>,
}

/// The hooks of `phase` that apply to migration `version`, in run order.
pub fn for_phase<'h>(hooks: &'h [Hook], phase: Phase, version: &'h str) -> impl Iterator<Item = &'h Hook> {
    hooks.iter().filter(move |h| h.phase == phase && h.version.as_deref().is_none_or(|v| v == version))
}

/// What the hooks of one migration share: the migration and the results of the hooks so far.
#[derive(Clone, Debug)]
pub struct Context {
    migration: Value,
    dry_run: bool,
    results: Vec<Value>,
}

impl Context {
    pub fn new(version: &str, name: &str, direction: &str, dry_run: bool) -> Self {
        Self {
            migration: json!({ "version": version, "name": name, "direction": direction }),
            dry_run,
            results: Vec::new(),
        }
    }

    /// The jsonb argument of a hook of `phase`; `error` is set for on_error hooks.
    pub fn argument(&self, phase: Phase, error: Option<&Value>) -> Value {
        let mut argument = json!({
            "migration": self.migration,
            "phase": phase.as_str(),
            "dry_run": self.dry_run,
            "results": self.results,
        });
        if let Some(error) = error {
            argument["error"] = error.clone();
        }
        argument
    }

    pub fn add_result(&mut self, hook: &Hook, result: Value) {
        self.results.push(json!({ "hook": hook.signature, "phase": hook.phase.as_str(), "result": result }));
    }
}

/// What the catalog says about a function offered as a hook.
pub struct FunctionShape {
    pub signature: String,
    /// pg_proc.prokind: f function, p procedure, a aggregate, w window.
    pub kind: String,
    pub returns_set: bool,
    pub argument_types: Vec<String>,
    pub return_type: String,
}

pub fn check_shape(shape: &FunctionShape) -> Result<(), String> {
    let expected = "a hook must be a function (context jsonb) RETURNS jsonb";
    let problem = if shape.kind != "f" {
        Some("it is not a plain function".to_string())
    } else if shape.returns_set {
        Some("it returns a set".to_string())
    } else if shape.argument_types != ["jsonb"] {
        Some(format!("it takes ({})", shape.argument_types.join(", ")))
    } else if shape.return_type != "jsonb" {
        Some(format!("it returns {}", shape.return_type))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!("{}: {expected}, but {problem}", shape.signature)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(phase: Phase, name: &str, version: Option<&str>) -> Hook {
        Hook { phase, signature: format!("{name}(jsonb)"), version: version.map(str::to_string) }
    }

    #[test]
    fn phases_round_trip_and_unknown_ones_are_refused() {
        for phase in Phase::BEFORE.into_iter().chain(Phase::AFTER).chain([Phase::OnError]) {
            assert_eq!(Phase::parse(phase.as_str()), Some(phase));
        }
        assert_eq!(Phase::parse("after_commit"), None);
    }

    #[test]
    fn hooks_apply_to_their_phase_and_version_in_order() {
        let hooks = [
            hook(Phase::BeforeDdl, "all_first", None),
            hook(Phase::AfterDdl, "after", None),
            hook(Phase::BeforeDdl, "only_7", Some("7")),
            hook(Phase::BeforeDdl, "all_second", None),
        ];
        let names = |version| {
            for_phase(&hooks, Phase::BeforeDdl, version).map(|h| h.signature.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names("7"), ["all_first(jsonb)", "only_7(jsonb)", "all_second(jsonb)"]);
        assert_eq!(names("8"), ["all_first(jsonb)", "all_second(jsonb)"]);
    }

    #[test]
    fn the_context_carries_earlier_results_and_the_error() {
        let mut context = Context::new("7", "add_email", "up", false);
        let first = hook(Phase::BeforeValidation, "count_rows", None);
        context.add_result(&first, json!({ "rows": 3 }));
        let argument = context.argument(Phase::AfterDdl, None);
        assert_eq!(argument["migration"]["name"], "add_email");
        assert_eq!(argument["phase"], "after_ddl");
        assert_eq!(argument["results"][0]["hook"], "count_rows(jsonb)");
        assert_eq!(argument["results"][0]["result"]["rows"], 3);
        assert!(argument.get("error").is_none());
        let on_error = context.argument(Phase::OnError, Some(&json!({ "sqlstate": "42P01" })));
        assert_eq!(on_error["error"]["sqlstate"], "42P01");
    }

    #[test]
    fn only_jsonb_to_jsonb_functions_are_hooks() {
        let shape = |kind: &str, set: bool, args: &[&str], returns: &str| FunctionShape {
            signature: "h(...)".into(),
            kind: kind.into(),
            returns_set: set,
            argument_types: args.iter().map(|a| a.to_string()).collect(),
            return_type: returns.into(),
        };
        assert!(check_shape(&shape("f", false, &["jsonb"], "jsonb")).is_ok());
        assert!(check_shape(&shape("p", false, &["jsonb"], "jsonb"))
            .unwrap_err()
            .contains("not a plain function"));
        assert!(check_shape(&shape("f", true, &["jsonb"], "jsonb")).unwrap_err().contains("returns a set"));
        assert!(check_shape(&shape("f", false, &["json"], "jsonb")).unwrap_err().contains("takes (json)"));
        assert!(check_shape(&shape("f", false, &[], "jsonb")).unwrap_err().contains("takes ()"));
        assert!(check_shape(&shape("f", false, &["jsonb"], "void")).unwrap_err().contains("returns void"));
    }
}
