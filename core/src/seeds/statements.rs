//! What the validation knows about a seed file once PostgreSQL's parser has read it: plain
//! structs, filled by `server::seed_parse`, checked by the levels.

/// What a statement does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Insert,
    Update,
    Delete,
    Merge,
    CopyFrom,
    /// Anything else (SELECT fn(), SET, DO...): run at levels 4 and 5, not checked before.
    Other,
}

impl Action {
    pub fn as_sql(self) -> &'static str {
        match self {
            Action::Insert => "INSERT",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Merge => "MERGE",
            Action::CopyFrom => "COPY FROM",
            Action::Other => "statement",
        }
    }

    pub fn writes(self) -> bool {
        !matches!(self, Action::Other)
    }
}

/// A table as the statement names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// As written; None when unqualified.
    pub schema: Option<String>,
    pub table: String,
    /// Where the table's schema is, found through the search_path when unqualified; None when
    /// the table does not exist.
    pub resolved_schema: Option<String>,
}

impl Target {
    pub fn display(&self) -> String {
        match self.schema.as_deref().or(self.resolved_schema.as_deref()) {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        }
    }

    /// The schema the statement writes to: as written, or where the search path finds it.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref().or(self.resolved_schema.as_deref())
    }
}

/// A value expression, as far as level 1 reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A bare NULL.
    Null,
    /// A constant whose type the parser knows: int4, numeric, bool.
    Typed(&'static str),
    /// A string constant (type unknown until the column decides).
    Text(String),
    /// `expr::type`, with the string it casts when it is one.
    Cast { type_name: String, text: Option<String>, null: bool },
    /// Anything else: a column, a function call, an expression.
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub line: usize,
}

/// One seed statement.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedStatement {
    /// Byte range in the file, from the first token.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub action: Action,
    pub target: Option<Target>,
    /// The columns it names (INSERT and COPY column lists, UPDATE SET targets), with lines.
    pub columns: Vec<(String, usize)>,
    /// Rows of values in column order: VALUES rows, or each branch of the SELECT it inserts.
    pub rows: Vec<Vec<Value>>,
    /// Each UNION of the statement: its branches' values, in column order.
    pub unions: Vec<Vec<Vec<Value>>>,
    /// Every string cast to uuid anywhere in the statement, with its line.
    pub uuid_casts: Vec<(String, usize)>,
    /// Why the statement cannot run inside the validation's transaction (COMMIT, COPY FROM
    /// STDIN, VACUUM...), if it cannot.
    pub refused: Option<String>,
}

impl SeedStatement {
    /// A statement from `start` to `end` (on `line`) that does nothing the levels check, until
    /// a reader of parse trees fills in what it does.
    pub fn at(start: usize, end: usize, line: usize) -> Self {
        SeedStatement {
            start,
            end,
            line,
            action: Action::Other,
            target: None,
            columns: Vec::new(),
            rows: Vec::new(),
            unions: Vec::new(),
            uuid_casts: Vec::new(),
            refused: None,
        }
    }

    /// The value `expr::type_name` on `line`, where `constant` is what the cast reads when it
    /// is a constant; a string cast to uuid is also kept for level 1's format check.
    pub fn cast(&mut self, type_name: String, constant: Option<ValueKind>, line: usize) -> Value {
        let text = match &constant {
            Some(ValueKind::Text(text)) => Some(text.clone()),
            _ => None,
        };
        if let (Some(text), "uuid") = (&text, type_name.as_str()) {
            self.uuid_casts.push((text.clone(), line));
        }
        let null = matches!(constant, Some(ValueKind::Null));
        Value { kind: ValueKind::Cast { type_name, text, null }, line }
    }
}

/// One seed file, parsed or refused by the parser.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedFile {
    pub name: String,
    pub text: String,
    pub parsed: Result<Vec<SeedStatement>, ParseFailure>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParseFailure {
    pub line: usize,
    pub message: String,
}

impl SeedFile {
    pub fn statements(&self) -> &[SeedStatement] {
        self.parsed.as_deref().unwrap_or(&[])
    }

    /// The statements naming `schema.table` as their target.
    pub fn statements_writing<'a>(
        &'a self,
        schema: &'a str,
        table: &'a str,
    ) -> impl Iterator<Item = &'a SeedStatement> {
        self.statements().iter().filter(move |s| {
            s.target.as_ref().is_some_and(|t| t.table == table && t.schema() == Some(schema))
        })
    }
}
