//! The module structure that docs/ARCHITECTURE.md describes, checked on the source: the
//! import graph of `src/` has no cycles, core knows no capability, geography stands alone,
//! and capabilities depend on each other only along the documented arrows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The capabilities each capability may import (besides `core`). Every capability may use
/// identity's public API (accounts, memberships) and geography (reference data).
const ALLOWED: &[(&str, &[&str])] = &[
    ("geo", &[]),
    ("content", &["identity", "geo"]),
    ("identity", &["geo"]),
    ("admin", &["identity", "geo"]),
    ("registry", &["identity", "geo"]),
    ("cartography", &["identity", "geo", "registry"]),
    ("support", &["identity", "geo", "registry"]),
];

/// A module path (`["registry", "service"]`) for each source file of the library.
fn modules() -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    walk(&root, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("inside src");
        let mut parts: Vec<String> = relative
            .with_extension("")
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts == ["main"] {
            continue;
        }
        if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
            parts.pop();
        }
        modules.insert(parts, file);
    }
    modules
}

/// The code of a file without comments and without its unit tests.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("source file");
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paths written as `crate::a::b::...` or `super::a::...`, as segments.
fn referenced_paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = vec![];
    for (prefix, from_crate) in [("crate::", true), ("super::", false)] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let mut segments = vec![];
            let mut tail = rest;
            loop {
                let end = tail
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                if end == 0 {
                    break;
                }
                segments.push(tail[..end].to_string());
                if !tail[end..].starts_with("::") {
                    break;
                }
                tail = &tail[end + 2..];
            }
            out.push((from_crate, segments));
        }
    }
    out
}

/// Edges between files: a file imports the deepest module its paths name.
fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules = modules();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, file) in &modules {
        let is_folder_module = file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        // `super` names the parent of a folder module's folder, or the folder of a file.
        let parent: Vec<String> = if is_folder_module {
            module[..module.len().saturating_sub(1)].to_vec()
        } else {
            module[..module.len() - 1].to_vec()
        };
        let edges = graph.entry(module.clone()).or_default();
        for (from_crate, segments) in referenced_paths(&code_of(file)) {
            let mut full = if from_crate { vec![] } else { parent.clone() };
            full.extend(segments);
            let target = (1..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|candidate| modules.contains_key(candidate));
            if let Some(target) = target
                && &target != module
                && !target.is_empty()
            {
                edges.insert(target);
            }
        }
    }
    graph
}

fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    // Depth-first search that reports the path of every back edge.
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
        found: &mut Vec<Vec<String>>,
    ) {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => visit(next, graph, state, stack, found),
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    found.push(stack[start..].iter().map(|m| m.join("::")).collect());
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = vec![];
    for node in graph.keys() {
        if !state.contains_key(node) {
            visit(node, graph, &mut state, &mut vec![], &mut found);
        }
    }
    found
}

#[test]
fn the_import_graph_of_the_library_has_no_cycles() {
    let graph = import_graph();
    assert!(graph.len() > 50, "the source was found");
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn core_knows_no_capability_and_capabilities_follow_the_documented_arrows() {
    let graph = import_graph();
    let capabilities: BTreeSet<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let mut wrong = vec![];
    for (module, targets) in &graph {
        let Some(top) = module.first() else {
            continue; // lib.rs: the composition root, where the capability list lives
        };
        for target in targets {
            let target_top = target[0].as_str();
            if target_top == top || target_top == "core" {
                continue;
            }
            let allowed = ALLOWED
                .iter()
                .find(|(name, _)| name == top)
                .is_some_and(|(_, may)| may.contains(&target_top));
            if !allowed {
                wrong.push(format!("{} -> {}", module.join("::"), target.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows not in the architecture: {wrong:#?}"
    );
    // Every top-level module is core, a known capability or the composition root.
    for module in graph.keys() {
        if let Some(top) = module.first() {
            assert!(
                top == "core" || capabilities.contains(top.as_str()),
                "{top} is not in the architecture's list of capabilities"
            );
        }
    }
}

#[test]
fn one_capability_reads_another_capabilitys_tables_only_through_its_functions() {
    // A capability's statements name its own tables: identity's start with `Identity`,
    // the registry's with `Livcr` (and the snapshots it publishes), and so on.
    let owners: &[(&str, &[&str])] = &[
        ("geo", &["Geo", "ReferenceDataset"]),
        ("content", &["Content"]),
        ("identity", &["Identity"]),
        ("registry", &["Livcr", "CartographySnapshot"]),
        ("support", &["Support"]),
        (
            "core",
            &["Audit", "CoreRevision", "DemoDataset", "EmailOutbox", "Job"],
        ),
    ];
    let mut wrong = vec![];
    for (module, file) in modules() {
        let Some(top) = module.first() else { continue };
        let code = code_of(&file);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("#[derive(") {
            rest = &rest[at..];
            let derive_end = rest.find(']').unwrap_or(rest.len());
            let is_iden = rest[..derive_end].contains("Iden");
            rest = &rest[derive_end..];
            if !is_iden {
                continue;
            }
            let Some(enum_at) = rest.find("enum ") else {
                break;
            };
            let name: String = rest[enum_at + 5..]
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            let owner = owners
                .iter()
                .find(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
                .map(|(owner, _)| *owner);
            if owner != Some(top.as_str()) {
                wrong.push(format!("{} names table {name}", module.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "tables used outside their owner: {wrong:#?}"
    );
}

/// A capability as small as a new one starts: one page, its row of the policy table and a
/// navigation entry, added with one line to the list.
mod example {
    use axum::Router;
    use axum::extract::Path;
    use axum::routing::get;
    use radix::AppState;
    use radix::core::auth::policy::Access::Public;
    use radix::core::auth::policy::{RoutePolicy, route};
    use radix::core::capability::{Capability, NavEntry};

    pub const ROUTES: &[RoutePolicy] = &[route("GET", "/{lang}/example", Public)];

    fn router() -> Router<AppState> {
        Router::new()
            .route("/{lang}/example", get(page))
            .route("/{lang}/example/unlisted", get(page))
    }

    async fn page(Path(lang): Path<String>) -> String {
        format!("example in {lang}")
    }

    pub fn capability() -> Capability<AppState> {
        Capability {
            routes: ROUTES,
            navigation: &[NavEntry {
                key: "example",
                path: "/example",
                order: 99,
            }],
            ..Capability::new("example", router)
        }
    }
}

fn with_example() -> Vec<radix::core::capability::Capability<radix::AppState>> {
    let mut list = radix::capabilities();
    list.push(example::capability());
    list
}

#[tokio::test]
async fn a_new_capability_is_its_folder_and_one_line_in_the_list() {
    let database = crate::support::fresh_database().await;
    let state = radix::App::start(
        database.config(),
        radix::StartOptions {
            pool: database.pool.clone(),
            capabilities: with_example,
            ..radix::StartOptions::default()
        },
    )
    .await
    .expect("starts with the extra capability");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app =
        radix::router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::new();
    let page = client
        .get(format!("http://{address}/fr/example"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.expect("body"), "example in fr");
    // Its navigation entry is in every page's menu.
    let home = client
        .get(format!("http://{address}/fr/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(home.contains("href=\"/fr/example\""), "menu entry");
    // Deny by default still holds: a route it forgot in its policy rows answers 403.
    let unlisted = client
        .get(format!("http://{address}/fr/example/unlisted"))
        .send()
        .await
        .expect("unlisted");
    assert_eq!(unlisted.status(), 403);
    server.abort();
}
