//! The command line: `shequ serve | migrate | demo | import | user | token | audit | backup |
//! restore`. Every command takes `--db` (or `SHEQU_DB`).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::admin::users::{self, UserInput};
use crate::app::{self, app};
use crate::platform::auth::{Actor, CurrentUser};
use crate::platform::config::Config;
use crate::platform::db::{self, Db};
use crate::platform::http::listener::Draining;
use crate::platform::types::{DivisionCode, Level};
use axum::serve::ListenerExt;

#[derive(Parser, Debug)]
#[command(
    name = "shequ",
    version,
    about = "Shequ (社区): community construction platform for a district, its towns and communities"
)]
pub struct Cli {
    /// Database: a file path or sqlite://PATH (SQLite, the default), or postgres://USER:PASS@HOST/DB.
    #[arg(long, global = true, env = "SHEQU_DB")]
    pub db: Option<String>,
    /// Configuration file (default: ./shequ.toml if present).
    #[arg(long, global = true, env = "SHEQU_CONFIG")]
    pub config: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application and API (migrates first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 or 0.0.0.0:80.
        #[arg(long, env = "SHEQU_LISTEN")]
        listen: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Create (or reopen) the demo district of 锡山区 and serve it.
    Demo {
        #[arg(long, env = "SHEQU_LISTEN")]
        listen: Option<String>,
        /// Build an N-times larger synthetic district (for benchmarks).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Build the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Build and show the district as of this date (`2026-11-20`) or time
        /// (`2026-11-20 14:30`) instead of today (also `SHEQU_NOW`, or `now` in the config).
        #[arg(long)]
        now: Option<String>,
    },
    /// Import reference data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Funding batches from the command line.
    #[command(subcommand)]
    Funding(FundingCommand),
    /// Open311 GeoReport v2 clients.
    #[command(subcommand)]
    Open311(Open311Command),
    /// Residents' personal data.
    #[command(subcommand)]
    Resident(ResidentCommand),
    /// The registry's retention (run it daily, e.g. from cron): people who moved out or died
    /// more than `registry.retention_years` ago are anonymised, access-log entries older
    /// than `registry.access_log_days` removed, imports left unconfirmed for a day removed.
    Maintenance,
    /// Write a consistent online copy of the live SQLite database to FILE.
    Backup { file: PathBuf },
    /// Check a backup FILE and put it in place of the database (stop the server first).
    Restore { file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum ResidentCommand {
    /// Erase a resident's personal data at their request (PIPL art. 47): the registry record,
    /// and their name, phone, address and words on their cases and other records. Without
    /// --yes it only says what would be erased.
    Erase {
        /// The resident's number (as in /hall/residents/ID).
        id: i64,
        /// Erase, instead of only showing what would be erased.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum Open311Command {
    /// Issue an api_key for a third-party Open311 client (printed once; only its hash is kept).
    AddKey {
        /// Who the key is for.
        #[arg(long)]
        label: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum FundingCommand {
    /// Make the draft per-capita batch of a year: rate × permanent population of the
    /// population year, under the cap (largest remainder to the fen). Approve and pay it on
    /// the web.
    PerCapita {
        /// Fiscal year of the batch.
        #[arg(long)]
        year: i64,
        /// Year of the permanent population figures (default: the year before).
        #[arg(long)]
        population_year: Option<i64>,
        /// Yuan per resident.
        #[arg(long, default_value = "10")]
        rate: String,
        /// Total cap in yuan.
        #[arg(long)]
        cap: String,
        /// The communities under this code (default: the configured district), or `all` for
        /// every community in the database.
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// National division codes: a folder with provinces/cities/areas/streets/villages .csv or
    /// .csv.gz files, or one such file. All rows are checked first; all or nothing is written.
    Divisions {
        path: PathBuf,
        /// Only this county-level area (6 digits, e.g. 320205) and the province and city above it.
        #[arg(long)]
        area: Option<String>,
        /// The files' text encoding: utf-8 (the national files) or gb18030 (GBK, what
        /// spreadsheets on Chinese Windows save).
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: crate::geo::import::Encoding,
    },
    /// A community's people from a village's spreadsheet (.xlsx, or .csv in UTF-8 or
    /// GB18030), columns found by their headers. Every row is checked first; problems are
    /// listed by row and column and nothing is written; otherwise all rows are written in one
    /// transaction. Importing the same file again changes nothing.
    Residents {
        file: PathBuf,
        /// The community (12 digits).
        #[arg(long)]
        community: String,
        /// Only check and show what would be written.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args, Debug)]
pub struct UserAdd {
    #[arg(long)]
    pub username: String,
    /// Display name, e.g. 东港镇 陈主任.
    #[arg(long)]
    pub name: String,
    /// district_admin, department_officer, town_officer, community_staff, assessor or provider.
    #[arg(long)]
    pub role: String,
    /// Department code (e.g. minzheng) for a department officer.
    #[arg(long)]
    pub department: Option<String>,
    /// Town code for a town officer.
    #[arg(long)]
    pub town: Option<String>,
    /// Community code for community staff.
    #[arg(long)]
    pub community: Option<String>,
    /// Provider id for a provider account.
    #[arg(long)]
    pub provider: Option<i64>,
    /// Read the password from standard input (first line) instead of SHEQU_PASSWORD.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password comes from SHEQU_PASSWORD or --password-stdin.
    Add(UserAdd),
    /// Set a user's password (from SHEQU_PASSWORD or standard input); ends their sessions.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API bearer token for a user; it is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        days: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain; report the first entry that was changed or removed.
    Verify,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHEQU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn config(cli: &Cli) -> anyhow::Result<Config> {
    let mut c = Config::load(cli.config.as_deref())?;
    if let Some(db) = &cli.db {
        c.db = db.clone();
    }
    c.db_target()?;
    Ok(c)
}

async fn open(c: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&c.db_target()?).await?.with_clock(c.clock()?);
    db::migrate(&db).await?;
    Ok(db)
}

fn cli_actor() -> Actor {
    let who = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "operator".into());
    Actor::system(&format!("cli:{who}"))
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin && let Ok(p) = std::env::var("SHEQU_PASSWORD") {
        return Ok(p);
    }
    if !from_stdin {
        eprintln!("password (one line on standard input):");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn app_error(e: crate::platform::error::AppError) -> anyhow::Error {
    use crate::platform::error::AppError;
    match e {
        AppError::Invalid(errs) => {
            let tr = crate::platform::i18n::Tr::new(crate::platform::i18n::Lang::En);
            let msgs: Vec<String> = errs
                .iter()
                .map(|f| format!("{}: {}", f.field, tr.field_error(f)))
                .collect();
            anyhow::anyhow!("{}", msgs.join("; "))
        }
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!("{}", other.describe()),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let c = config(&cli)?;
    let db_given = cli.db.is_some();
    match cli.command {
        Command::Migrate => migrate(c).await,
        Command::Serve { listen } => serve_command(c, listen).await,
        Command::Demo {
            listen,
            scale,
            no_serve,
            now,
        } => demo(c, db_given, listen, scale, no_serve, now).await,
        Command::Import(cmd) => import(c, cmd).await,
        Command::User(cmd) => user(c, cmd).await,
        Command::Token(cmd) => token(c, cmd).await,
        Command::Resident(cmd) => resident(c, cmd).await,
        Command::Maintenance => maintenance(c).await,
        Command::Open311(cmd) => open311(c, cmd).await,
        Command::Funding(cmd) => funding(c, cmd).await,
        Command::Audit(AuditCommand::Verify) => audit(c).await,
        Command::Backup { file } => backup(c, file).await,
        Command::Restore { file } => restore(c, file).await,
    }
}

/// `shequ migrate`
async fn migrate(c: Config) -> anyhow::Result<ExitCode> {
    let db = Db::connect(&c.db_target()?).await?;
    let n = db::migrate(&db).await?;
    println!(
        "{n} migration(s) applied to {}; schema version {}",
        c.db_target()?,
        db::latest_version()
    );
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `shequ serve`
async fn serve_command(mut c: Config, listen: Option<String>) -> anyhow::Result<ExitCode> {
    if let Some(l) = listen {
        c.listen = l;
    }
    let db = open(&c).await?;
    serve(db, c).await?;
    Ok(ExitCode::SUCCESS)
}

/// `shequ demo`: build the demo district once, then serve it (unless `--no-serve`).
async fn demo(
    mut c: Config,
    db_given: bool,
    listen: Option<String>,
    scale: u32,
    no_serve: bool,
    now: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(n) = now {
        c.now = n;
        c.clock()?;
    }
    if !db_given && std::env::var("SHEQU_DB").is_err() {
        c.db = "data/demo.db".into();
    }
    if let Some(l) = listen {
        c.listen = l;
    }
    // The demo runs on this machine: its public address is where it listens (contact
    // cards then print a QR code that works here). A real installation sets its own.
    if c.public_url.trim().is_empty() {
        c.public_url = format!("http://{}", c.listen.trim());
    }
    let db = open(&c).await?;
    let district = c.district()?;
    if crate::demo::is_generated(&db).await? {
        println!("Reopening the demo database {}", c.db_target()?);
    } else {
        println!(
            "Building the demo district (锡山区, scale {scale}) in {} …",
            c.db_target()?
        );
        let steps = indicatif::ProgressBar::new(5);
        steps.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:20}] {pos}/{len} {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        steps.enable_steady_tick(std::time::Duration::from_millis(200));
        let took =
            crate::demo::generate_with_progress(&db, &district, scale.max(1), &steps).await?;
        steps.finish_with_message("done");
        let total: std::time::Duration = took.iter().map(|(_, d)| *d).sum();
        let each: Vec<String> = took
            .iter()
            .map(|(step, d)| format!("{step} {:.1} s", d.as_secs_f64()))
            .collect();
        println!("Built in {:.1} s: {}", total.as_secs_f64(), each.join(", "));
    }
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nDemo logins (password {}):", crate::demo::DEMO_PASSWORD);
    for (u, name, role, _) in crate::demo::DEMO_USERS {
        println!("  {u:<10} {role:<20} {name}");
    }
    serve(db, c).await?;
    Ok(ExitCode::SUCCESS)
}

/// `shequ import divisions`
async fn import(c: Config, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let (path, area, encoding) = match cmd {
        ImportCommand::Divisions {
            path,
            area,
            encoding,
        } => (path, area, encoding),
        ImportCommand::Residents {
            file,
            community,
            check,
        } => return import_residents(c, &file, &community, check).await,
    };
    let db = open(&c).await?;
    let area = match area {
        Some(a) => Some(
            DivisionCode::parse_level(&a, Level::Area)
                .map_err(|e| anyhow::anyhow!("--area {a}: {e}"))?,
        ),
        None => None,
    };
    let started = std::time::Instant::now();
    match crate::geo::import::import_path_with(&db, &path, area, encoding, &cli_actor()).await {
        Ok(r) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{} rows read in {secs:.2} s ({:.0} rows/s): {} new, {} renamed, {} unchanged",
                r.rows_read,
                r.rows_read as f64 / secs.max(1e-9),
                r.inserted,
                r.renamed,
                r.unchanged
            );
        }
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `shequ maintenance`
async fn maintenance(c: Config) -> anyhow::Result<ExitCode> {
    let db = open(&c).await?;
    let today = db.clock().today();
    let m = crate::registry::access::maintain(&db, today)
        .await
        .map_err(app_error)?;
    println!(
        "{} people anonymised, {} access-log entries removed, {} unconfirmed imports removed",
        m.anonymised, m.access_log_removed, m.staged_imports_removed
    );
    Ok(ExitCode::SUCCESS)
}

/// `shequ import residents`
async fn import_residents(
    c: Config,
    file: &std::path::Path,
    community: &str,
    only_check: bool,
) -> anyhow::Result<ExitCode> {
    use crate::registry::import::{check, write};
    let db = open(&c).await?;
    let code = DivisionCode::parse_level(community, Level::Community)
        .map_err(|e| anyhow::anyhow!("--community {community}: {e}"))?;
    let known = db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM divisions WHERE code = ? AND level = 5",
        crate::vals![code.as_str()],
    )
    .await
    .map_err(app_error)?;
    if known != Some(1) {
        eprintln!("--community {community}: no such community in the divisions");
        return Ok(ExitCode::from(2));
    }
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let started = std::time::Instant::now();
    let bar = crate::geo::import::progress_bar(0);
    bar.set_message("checking");
    let checked = check::check(&db, code.as_str(), &bytes, None, &bar)
        .await
        .map_err(app_error)?;
    let tr = crate::platform::i18n::Tr::new(crate::platform::i18n::Lang::Zh);
    if !checked.is_clean() {
        bar.finish_and_clear();
        for e in checked.errors.iter().take(1000) {
            let column = tr
                .t(&format!("registry.import.field.{}", e.field))
                .to_string();
            eprintln!("row {}: {column}: {}", e.row, tr.field_error(&e.error));
        }
        if checked.errors.len() > 1000 {
            eprintln!("… {} problems in all", checked.errors.len());
        }
        eprintln!("nothing written");
        return Ok(ExitCode::from(2));
    }
    let n = checked.counts.clone();
    if only_check {
        bar.finish_and_clear();
        println!(
            "{} rows: {} new, {} changed, {} unchanged; {} new households (nothing written)",
            n.rows, n.new, n.changed, n.unchanged, n.households_new
        );
        return Ok(ExitCode::SUCCESS);
    }
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let name = file
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    bar.set_message("writing");
    write::write(&db, &cli_actor(), code.as_str(), checked, &name, &sha, &bar)
        .await
        .map_err(app_error)?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} rows in {secs:.2} s ({:.0} rows/s): {} new, {} changed, {} unchanged; {} new households",
        n.rows,
        n.rows as f64 / secs.max(1e-9),
        n.new,
        n.changed,
        n.unchanged,
        n.households_new
    );
    Ok(ExitCode::SUCCESS)
}

/// `shequ user add|passwd|list`
async fn user(c: Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let db = open(&c).await?;
    let district = c.district()?;
    match cmd {
        UserCommand::Add(a) => {
            let password = read_password(a.password_stdin)?;
            let department_id = match &a.department {
                Some(code) => db::scalar(
                    &db.conn,
                    "SELECT id FROM departments WHERE code = ? OR name = ?",
                    crate::vals![code.clone(), code.clone()],
                )
                .await
                .map_err(app_error)?
                .map(|i| i.to_string())
                .unwrap_or_else(|| code.clone()),
                None => String::new(),
            };
            let input = UserInput {
                username: a.username,
                display_name: a.name,
                role: a.role,
                department_id,
                town_code: a.town.unwrap_or_default(),
                community_code: a.community.unwrap_or_default(),
                provider_id: a.provider.map(|p| p.to_string()).unwrap_or_default(),
                password,
                active: Some("on".into()),
                revision: String::new(),
            };
            let id = users::create(&db, &district, &cli_actor(), &input)
                .await
                .map_err(app_error)?;
            println!("user {} created (id {id})", input.username);
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            crate::platform::auth::check_password_strength(&password).map_err(|_| {
                anyhow::anyhow!(
                    "the password needs at least {} characters, not all the same",
                    crate::platform::auth::MIN_PASSWORD_LEN
                )
            })?;
            let u = crate::platform::auth::find_user_by_name(&db.conn, &username)
                .await
                .map_err(app_error)?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            let state = app::state(db, c.clone())?;
            crate::platform::auth::web::set_password(&state, &cli_actor(), u.id, &password)
                .await
                .map_err(app_error)?;
            println!("password of {username} changed; their sessions were ended");
        }
        UserCommand::List => {
            for u in users::list(&db).await.map_err(app_error)? {
                println!(
                    "{:<16} {:<20} {:<8} {}{}",
                    u.username,
                    u.role,
                    if u.active { "active" } else { "disabled" },
                    u.display_name,
                    u.binding_name
                        .or(u.department_name)
                        .map(|b| format!(" ({b})"))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `shequ token create`
async fn token(c: Config, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create { user, label, days } = cmd;
    let db = open(&c).await?;
    let token = users::create_token(&db, &cli_actor(), &user, &label, days)
        .await
        .map_err(|e| match e {
            crate::platform::error::AppError::NotFound => anyhow::anyhow!("no user {user}"),
            e => app_error(e),
        })?;
    println!("{token}");
    eprintln!("Keep it safe: it is shown only now. Use it as `Authorization: Bearer <token>`.");
    Ok(ExitCode::SUCCESS)
}

/// `shequ resident erase` (a preview without `--yes`)
async fn resident(c: Config, cmd: ResidentCommand) -> anyhow::Result<ExitCode> {
    let ResidentCommand::Erase { id, yes } = cmd;
    let db = open(&c).await?;
    let district = c.district()?;
    let admin = CurrentUser::system_admin(&cli_actor().name);
    let e = if yes {
        crate::registry::erasure::erase(&db, &district, &admin, id).await
    } else {
        crate::registry::erasure::erasure_preview(&db, &district, &admin, id).await
    }
    .map_err(app_error)?;
    println!(
        "{} resident {id} ({}): 1 registry record, {} cases, {} volunteer records, {} proposals, {} representative links",
        if yes { "Erased" } else { "Would erase" },
        e.community_name,
        e.cases,
        e.volunteers,
        e.proposals,
        e.representatives
    );
    if !yes {
        eprintln!("Nothing was changed. Run again with --yes to erase.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `shequ open311 add-key`
async fn open311(c: Config, cmd: Open311Command) -> anyhow::Result<ExitCode> {
    let Open311Command::AddKey { label } = cmd;
    let db = open(&c).await?;
    let key = crate::hall::open311::add_key(&db, &cli_actor(), &label)
        .await
        .map_err(app_error)?;
    println!("{key}");
    eprintln!("Keep it safe: it is shown only now. Clients send it as api_key with POST requests.");
    Ok(ExitCode::SUCCESS)
}

/// `shequ funding per-capita`
async fn funding(c: Config, cmd: FundingCommand) -> anyhow::Result<ExitCode> {
    let FundingCommand::PerCapita {
        year,
        population_year,
        rate,
        cap,
        area,
    } = cmd;
    let db = open(&c).await?;
    let money = |what: &str, v: &str| {
        crate::platform::types::Fen::parse_yuan(v)
            .map(|f| f.0)
            .map_err(|k| anyhow::anyhow!("--{what} {v}: not an amount in yuan ({k})"))
    };
    let input = crate::funding::store::PerCapitaInput {
        year,
        population_year: population_year.unwrap_or(year - 1),
        rate_fen: money("rate", &rate)?,
        cap_fen: money("cap", &cap)?,
    };
    let (lo, hi) = match area.as_deref() {
        Some("all") => ("000000000000".to_string(), "999999999999".to_string()),
        Some(a) => DivisionCode::parse(a)?.descendant_range(),
        None => c.district()?.descendant_range(),
    };
    let started = std::time::Instant::now();
    let id =
        crate::funding::store::create_per_capita_batch_in(&db, (&lo, &hi), &cli_actor(), &input)
            .await
            .map_err(app_error)?;
    let b = crate::funding::store::load_batch(&db, &crate::platform::auth::Scope::District, id)
        .await
        .map_err(app_error)?;
    println!(
        "batch {id}: {} lines, {} yuan, draft ({:.2} s) — {}",
        b.line_count,
        crate::platform::types::Fen(b.total_fen).yuan_string(),
        started.elapsed().as_secs_f64(),
        b.title
    );
    Ok(ExitCode::SUCCESS)
}

/// `shequ audit verify` (exit 3 when the chain is broken)
async fn audit(c: Config) -> anyhow::Result<ExitCode> {
    let db = open(&c).await?;
    match crate::platform::audit::verify(&db)
        .await
        .map_err(app_error)?
    {
        crate::platform::audit::Verification::Intact { entries } => {
            println!("audit log intact: {entries} entries verified");
        }
        crate::platform::audit::Verification::Broken {
            entries_checked,
            first_bad_id,
            reason,
        } => {
            println!(
                "audit log BROKEN at entry {first_bad_id}: {reason} ({entries_checked} entries before it are intact)"
            );
            return Ok(ExitCode::from(3));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `shequ backup`
async fn backup(c: Config, file: PathBuf) -> anyhow::Result<ExitCode> {
    let db = Db::connect(&c.db_target()?).await?;
    let bytes = crate::platform::backup::backup(&db, &file).await?;
    println!("backup written to {} ({bytes} bytes)", file.display());
    Ok(ExitCode::SUCCESS)
}

/// `shequ restore`
async fn restore(c: Config, file: PathBuf) -> anyhow::Result<ExitCode> {
    let target = c.db_target()?;
    let Some(path) = target.sqlite_path() else {
        anyhow::bail!(
            "restore works on SQLite; for PostgreSQL use pg_restore (see README, \"Backups\")"
        );
    };
    let (info, kept) = crate::platform::backup::restore(&file, path).await?;
    println!(
        "restored {} into {} (schema {}, {} users, {} divisions, {} audit entries)",
        file.display(),
        path.display(),
        info.schema_version,
        info.users,
        info.divisions,
        info.audit_entries
    );
    if let Some(k) = kept {
        println!("the previous database was kept as {}", k.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(db: Db, c: Config) -> anyhow::Result<()> {
    let addr = c.listen_addr()?;
    // held while serving: `shequ restore` refuses to swap the file under a running server
    let _lock = match db.target.sqlite_path() {
        Some(p) => Some(crate::platform::backup::DbLock::take(p, "shequ serve")?),
        None => None,
    };
    let state = app::state(db.clone(), c)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    println!("Shequ is serving on http://{}", listener.local_addr()?);
    let stopping = Stopping::default();
    stopping.listen();
    // on the signal the listener takes what the kernel has queued and closes; connections
    // that have not spoken yet get a moment to send their request before hyper closes idle ones
    let listener = Draining::new(listener, stopping.0.subscribe());
    let settled = listener.settled();
    // the peer address tells clients apart for limits and throttles
    let server = axum::serve(
        listener.tap_io(|c| c.set_nodelay()),
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(settled);
    // Past the signal, requests in flight get SHUTDOWN_GRACE to finish; then the server stops
    // anyway (a stuck client must not hold a deploy or a reboot).
    let grace = async {
        stopping.wait().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = server => r?,
        _ = grace => eprintln!(
            "requests still open after {} s were cut off",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
    // closing the pool checkpoints SQLite's write-ahead log into the database file
    db.close().await;
    println!("Shequ stopped");
    Ok(())
}

/// How long requests in flight may run on after SIGTERM or Ctrl-C.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Set once SIGTERM (systemd, Docker, Kubernetes) or SIGINT (Ctrl-C) arrives.
#[derive(Clone)]
struct Stopping(tokio::sync::watch::Sender<bool>);

impl Default for Stopping {
    fn default() -> Self {
        Stopping(tokio::sync::watch::channel(false).0)
    }
}

impl Stopping {
    fn listen(&self) {
        let me = self.clone();
        tokio::spawn(async move {
            #[cfg(unix)]
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let term = std::future::pending::<()>();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term => {},
            }
            println!("stopping: no new requests; finishing those in flight");
            me.0.send_replace(true);
        });
    }

    /// Done once the signal came (at once if it came already).
    async fn wait(self) {
        let _ = self.0.subscribe().wait_for(|stop| *stop).await;
    }
}
