//! The `jardinier` command. Thin: it parses arguments and configuration, then calls the library
//! crates. See `jardinier --help`.

mod analysis;
mod bench;
mod bench_client;
mod bench_community;
mod bench_inbox;
mod bench_publish;
mod community_import;
mod config;
mod demo;
mod demo_community;
mod demo_smtp;
mod demo_stream;
mod import;
mod screen;
mod server;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "jardinier",
    version,
    about = "Jardinier, the community manager's workbench"
)]
struct Cli {
    /// Configuration file (default: ./jardinier.toml if it exists).
    #[arg(long, global = true, env = "JARDINIER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Run the server with a fresh demo workspace; prints the address and the demo logins.
    Demo {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Database for the demo. Default: a fresh SQLite file, jardinier-data/demo.db,
        /// recreated at every start.
        #[arg(long)]
        database: Option<String>,
    },
    /// Bring the database schema up to date (also done at every start).
    Migrate,
    /// Import mentions from an NDJSON or CSV file (history, exports from other tools).
    Import(import::ImportArgs),
    /// Import a community archive (the JSON the Community section downloads) into a
    /// workspace whose community has no topic yet.
    CommunityImport(community_import::CommunityImportArgs),
    /// Import a public Discourse forum (categories, topics, posts, members without passwords)
    /// through its JSON API into a workspace whose community has no topic yet.
    DiscourseImport(community_import::DiscourseImportArgs),
    /// Language and sentiment of each line of standard input, one JSON object per line
    /// ({"lang": "fr"|"en"|"unknown", "sentiment": "positive"|"neutral"|"negative", "score": -1..1});
    /// or, with --eval FILE, accuracy on labelled text; or, with --bench, texts per second.
    Analyze(analysis::AnalyzeArgs),
    /// Moderation's screening of each line of standard input, one JSON object per line
    /// ({"spam": 0..1, "toxic": 0..1, "verdict": "allow"|"hold"|"block", "reasons": [...]},
    /// default thresholds); or, with --eval FILE, accuracy on labelled text; or, with --bench,
    /// texts per second.
    Screen(screen::ScreenArgs),
    /// Measure parts of the pipeline on generated data; prints one JSON line.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The whole listening pipeline into a fresh database: parse, dedupe, language, sentiment,
    /// match, store, alerts delivered to a local webhook.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        /// Database URL (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// Deliveries in flight at once (webhook senders, polled sources). A server receives
        /// from many at once; with only two, each waits for its commit before preparing the
        /// next, and the writer idles meanwhile.
        #[arg(long, default_value_t = 4)]
        senders: usize,
        /// Items per delivery.
        #[arg(long, default_value_t = 250)]
        batch: usize,
    },
    /// The inbox under load: N items in conversations, U teammates working it over HTTP at
    /// once for S seconds (queue, filters, search, a conversation, closing it).
    Inbox {
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        #[arg(long, default_value_t = 50)]
        users: usize,
        /// How long the teammates work (two minutes by default: long enough to see the tail).
        #[arg(long, default_value_t = 120)]
        seconds: u64,
        /// Each teammate's pause between two actions, on average (a fast community manager
        /// reads for about a second); 0 fires requests back to back.
        #[arg(long, default_value_t = 1_000)]
        think_ms: u64,
        /// Database URL (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
    },
    /// The community at scale: N posts in T topics (one 5,000 posts long), then R readers
    /// (half signed in) reading topic pages, category lists and the home page over HTTP as
    /// fast as the server answers, while four of them reply.
    Community {
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
        #[arg(long, default_value_t = 50_000)]
        topics: usize,
        #[arg(long, default_value_t = 200)]
        readers: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Pages a second asked of the server by all the readers together, as visitors arrive
        /// whatever the server's speed; 0: each reader asks again as soon as it is answered.
        #[arg(long, default_value_t = 2_000)]
        rate: u64,
        /// Database URL (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
    },
    /// Publishing exactly once: N posts scheduled over W seconds to local stand-ins, the
    /// scheduler killed halfway and restarted; counts duplicates, losses and lateness.
    Publish {
        #[arg(long, default_value_t = 100_000)]
        posts: usize,
        /// The seconds over which the posts fall due.
        #[arg(long, default_value_t = 60)]
        window: u64,
        /// Database URL (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
    },
    /// Query matching only: parse Q queries, build the matcher, match N generated items.
    Match {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, optionally in a workspace.
    Add(users::AddUser),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let explicit = cli.config.is_some();
    let path = cli
        .config
        .unwrap_or_else(|| PathBuf::from("jardinier.toml"));
    let config = match config::Config::load(&path, explicit, |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    server::init_logging(&config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("start the async runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => server::serve(config).await,
            Command::Demo { bind, database } => demo::run(config, bind, database).await,
            Command::Migrate => server::migrate(&config).await,
            Command::Analyze(args) => analysis::run(args),
            Command::Screen(args) => screen::run(args),
            Command::Import(args) => import::run(&config, args).await,
            Command::CommunityImport(args) => community_import::run(&config, args).await,
            Command::DiscourseImport(args) => community_import::run_discourse(&config, args).await,
            Command::User {
                command: UserCommand::Add(args),
            } => users::add(&config, args).await,
            Command::Bench {
                command: BenchCommand::Match { items, queries },
            } => bench::bench_match(items, queries),
            Command::Bench {
                command:
                    BenchCommand::Ingest {
                        items,
                        queries,
                        database,
                        senders,
                        batch,
                    },
            } => bench::ingest::run(items, queries, database, senders, batch).await,
            Command::Bench {
                command:
                    BenchCommand::Inbox {
                        items,
                        users,
                        seconds,
                        think_ms,
                        database,
                    },
            } => bench_inbox::run(items, users, seconds, think_ms, database).await,
            Command::Bench {
                command:
                    BenchCommand::Community {
                        posts,
                        topics,
                        readers,
                        seconds,
                        rate,
                        database,
                    },
            } => {
                bench_community::run(
                    posts,
                    topics,
                    readers,
                    seconds,
                    rate,
                    database,
                    config.community.anonymous_cache_seconds,
                )
                .await
            }
            Command::Bench {
                command:
                    BenchCommand::Publish {
                        posts,
                        window,
                        database,
                    },
            } => bench_publish::run(posts, window, database).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
