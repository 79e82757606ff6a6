// build.rs does one thing: generate the TICKscript parser from grammar.lalrpop into OUT_DIR.
fn main() {
    println!("cargo:rerun-if-changed=grammar.lalrpop");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    lalrpop::Configuration::new()
        .set_out_dir(out_dir)
        .process_file("grammar.lalrpop")
        .expect("grammar.lalrpop failed to generate");
}
