//! Columns whose names say they hold personal data: sync refuses to copy them unmasked unless
//! told to (`--allow-unmasked`, or a `keep` rule that says the column is not personal).

/// Words that, found in a column name with its separators removed, mark it personal.
const INSIDE: &[&str] = &[
    "email",
    "phone",
    "mobile",
    "telephone",
    "iban",
    "creditcard",
    "cardnumber",
    "cardno",
    "cvv",
    "cvc",
    "passport",
    "birth",
    "firstname",
    "lastname",
    "fullname",
    "surname",
    "givenname",
    "familyname",
    "middlename",
    "maidenname",
    "address",
    "ipaddr",
    "nationalid",
    "taxid",
    "socialsecurity",
    "postalcode",
    "zipcode",
    "postcode",
    "password",
    "licensenumber",
    // French, German, Spanish, Italian, Portuguese.
    "courriel",
    "prenom",
    "adresse",
    "naissance",
    "telefon",
    "vorname",
    "nachname",
    "geburt",
    "strasse",
    "anschrift",
    "correo",
    "apellido",
    "direccion",
    "nacimiento",
    "cognome",
    "indirizzo",
    "nascita",
    "endereco",
    "sobrenome",
];

/// Words that mark a column personal only as a whole word (too short to search inside names).
const WHOLE: &[&str] = &["ssn", "dob", "ip", "tel", "fax", "zip", "nin", "cpf", "nir", "bsn", "pesel", "nom"];

/// Table names (singular or plural) whose `name` column is a person's name.
const PERSON_TABLES: &[&str] = &[
    "user",
    "customer",
    "person",
    "people",
    "employee",
    "member",
    "contact",
    "patient",
    "client",
    "staff",
    "author",
    "student",
    "actor",
    "driver",
    "owner",
    "subscriber",
    "applicant",
    "guest",
];

/// Why `column` of `table` looks personal (the word that matched), or `None`.
pub fn looks_personal(table: &str, column: &str) -> Option<&'static str> {
    let lower = column.to_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if let Some(word) = INSIDE.iter().find(|word| compact.contains(*word)) {
        return Some(word);
    }
    let words: Vec<String> = split_words(column);
    if let Some(word) = WHOLE.iter().find(|word| words.iter().any(|w| w == *word)) {
        return Some(word);
    }
    let table = table.to_lowercase();
    let singular = table.strip_suffix('s').unwrap_or(&table);
    if lower == "name"
        && PERSON_TABLES.iter().any(|person| singular.ends_with(person) || table.ends_with(person))
    {
        return Some("name");
    }
    None
}

/// The words of a name: split on anything not a letter or digit, and on lower-to-upper case
/// changes (`homeIP` is `home`, `ip`).
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if (!c.is_alphanumeric() || (c.is_uppercase() && previous_lower)) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::looks_personal;

    #[test]
    fn personal_names_are_found_and_ordinary_ones_left() {
        for (table, column) in [
            ("users", "email"),
            ("users", "contact_email"),
            ("t", "PhoneNumber"),
            ("t", "ssn"),
            ("t", "client_ip"),
            ("t", "homeIP"),
            ("t", "date_of_birth"),
            ("t", "first_name"),
            ("customers", "name"),
            ("t", "iban"),
            ("t", "card_number"),
            ("t", "adresse_postale"),
            ("t", "Vorname"),
            ("t", "billing_address_line1"),
        ] {
            assert!(looks_personal(table, column).is_some(), "{table}.{column}");
        }
        for (table, column) in [
            ("products", "name"),
            ("t", "description"),
            ("t", "shipping_method"),
            ("t", "zipper_size"),
            ("t", "tip"),
            ("t", "created_at"),
            ("t", "nominal"),
            ("t", "type"),
        ] {
            assert!(looks_personal(table, column).is_none(), "{table}.{column}");
        }
    }
}
