//! Prints the listing of a file named by AKA_DUMP, line by line with AKA_DUMP_LINES (a
//! development aid; passes without them).

mod support;

#[test]
fn dump() {
    let Ok(path) = std::env::var("AKA_DUMP") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("readable");
    if std::env::var("AKA_DUMP_LINES").is_ok() {
        for line in text.lines() {
            println!("{line}\n{}", support::listing(&support::run(line)));
        }
    } else {
        println!("{}", support::listing(&support::run(&text)));
    }
}
