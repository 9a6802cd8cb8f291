//! `dauria-cli shipment ...`: ship samples to a lab with a manifest, log each change of hands,
//! and check the receipt against the manifest by the barcodes scanned.

use super::Format;
use crate::output::table;
use anyhow::{Context, Result};
use dauria_core::custody::{self, word, Handover, NewShipment, Receipt};
use dauria_core::model::{ColdChain, Condition, ReceiptStatus};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status of `shipment receive` when the receipt found a discrepancy.
pub const DISCREPANCIES: u8 = 2;

#[derive(clap::Args)]
pub struct HandoverArgs {
    /// When, RFC 3339 with offset (2026-06-01T07:30:00+08:00).
    #[arg(long, value_name = "TIME")]
    at: String,
    /// Who handed the samples over.
    #[arg(long = "from", value_name = "NAME")]
    from_person: Option<String>,
    /// Who took custody.
    #[arg(long = "to", value_name = "NAME")]
    to_person: String,
    #[arg(long)]
    place: Option<String>,
    /// Temperature inside the package, °C.
    #[arg(
        long = "temperature",
        value_name = "CELSIUS",
        allow_hyphen_values = true
    )]
    temperature_c: Option<f64>,
    /// intact, damaged or cold_chain_broken.
    #[arg(long, value_enum, default_value_t = ConditionArg::Intact)]
    condition: ConditionArg,
    #[arg(long)]
    notes: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ConditionArg {
    Intact,
    Damaged,
    ColdChainBroken,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ColdChainArg {
    Ambient,
    Chilled,
    Frozen,
    DeepFrozen,
    LiquidNitrogen,
}

impl From<HandoverArgs> for Handover {
    fn from(a: HandoverArgs) -> Handover {
        Handover {
            at: a.at,
            from_person: a.from_person,
            to_person: a.to_person,
            place: a.place,
            condition: match a.condition {
                ConditionArg::Intact => Condition::Intact,
                ConditionArg::Damaged => Condition::Damaged,
                ConditionArg::ColdChainBroken => Condition::ColdChainBroken,
            },
            temperature_c: a.temperature_c,
            notes: a.notes,
        }
    }
}

#[derive(clap::Subcommand)]
pub enum ShipmentCommand {
    /// Pack samples into a shipment; prints its reference.
    Add {
        /// A sample's barcode; repeat for each sample, in manifest order.
        #[arg(long = "sample", value_name = "BARCODE", required = true)]
        samples: Vec<String>,
        /// Who sends it (station, team).
        #[arg(long)]
        from: String,
        /// The receiving laboratory.
        #[arg(long)]
        to: String,
        #[arg(long)]
        carrier: Option<String>,
        /// ambient, chilled, frozen, deep_frozen or liquid_nitrogen.
        #[arg(long, value_enum)]
        cold_chain: ColdChainArg,
        /// Packing date, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        packed_on: Option<String>,
        /// Expected arrival, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        expected_on: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// List shipments with their status and discrepancies.
    List,
    /// Hand a packed shipment to the carrier.
    Send {
        /// The shipment's reference (or id).
        shipment: String,
        #[command(flatten)]
        handover: HandoverArgs,
    },
    /// Log a change of hands on the way.
    Transfer {
        shipment: String,
        #[command(flatten)]
        handover: HandoverArgs,
    },
    /// Receive a shipment at the lab: the barcodes scanned are checked against the manifest.
    /// Exit status 2 when something is missing, extra or damaged.
    Receive {
        shipment: String,
        #[command(flatten)]
        handover: HandoverArgs,
        /// A barcode scanned; repeat for each (repeated scans count once).
        #[arg(long = "scan", value_name = "BARCODE")]
        scans: Vec<String>,
        /// Also read scanned barcodes from this file, one a line (`-`: standard input, as a
        /// scanner types them).
        #[arg(long, value_name = "FILE")]
        scans_from: Option<PathBuf>,
        /// A sample found damaged; repeat for each.
        #[arg(long = "damaged", value_name = "BARCODE")]
        damaged: Vec<String>,
    },
    /// Show a shipment's manifest, transfers and discrepancies (`--format csv`: the manifest
    /// as CSV).
    Show {
        shipment: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn read_scans(path: &Path) -> Result<Vec<String>> {
    let lines: Vec<String> = if path.as_os_str() == "-" {
        std::io::stdin().lock().lines().collect::<Result<_, _>>()?
    } else {
        let f =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        std::io::BufReader::new(f)
            .lines()
            .collect::<Result<_, _>>()?
    };
    Ok(lines
        .into_iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// Runs a `shipment` subcommand.
pub fn run(dir: &Path, cmd: ShipmentCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        ShipmentCommand::Add {
            samples,
            from,
            to,
            carrier,
            cold_chain,
            packed_on,
            expected_on,
            notes,
        } => {
            let (_, reference) = custody::add_shipment(
                &mut store,
                NewShipment {
                    barcodes: samples,
                    from,
                    to,
                    carrier,
                    cold_chain: match cold_chain {
                        ColdChainArg::Ambient => ColdChain::Ambient,
                        ColdChainArg::Chilled => ColdChain::Chilled,
                        ColdChainArg::Frozen => ColdChain::Frozen,
                        ColdChainArg::DeepFrozen => ColdChain::DeepFrozen,
                        ColdChainArg::LiquidNitrogen => ColdChain::LiquidNitrogen,
                    },
                    packed_on,
                    expected_on,
                    notes,
                },
            )?;
            println!("{reference}");
        }
        ShipmentCommand::List => {
            let rows: Vec<Vec<String>> = custody::shipments(&store)?
                .into_iter()
                .map(|s| {
                    vec![
                        s.reference,
                        word(&s.status),
                        s.samples.to_string(),
                        s.from,
                        s.to,
                        word(&s.cold_chain),
                        s.discrepancies.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "reference",
                        "status",
                        "samples",
                        "from",
                        "to",
                        "cold_chain",
                        "discrepancies"
                    ],
                    &rows
                )
            );
        }
        ShipmentCommand::Send { shipment, handover } => {
            custody::send(&mut store, &shipment, handover.into())?;
            println!("sent {shipment}");
        }
        ShipmentCommand::Transfer { shipment, handover } => {
            custody::transfer(&mut store, &shipment, handover.into())?;
            println!("transfer of {shipment} logged");
        }
        ShipmentCommand::Receive {
            shipment,
            handover,
            mut scans,
            scans_from,
            damaged,
        } => {
            if let Some(p) = scans_from {
                scans.extend(read_scans(&p)?);
            }
            let r = custody::receive(
                &mut store,
                &shipment,
                Receipt {
                    handover: handover.into(),
                    scanned: scans,
                    damaged,
                },
            )?;
            let count = |s| r.lines.iter().filter(|l| l.status == s).count();
            for l in r
                .lines
                .iter()
                .filter(|l| l.status != ReceiptStatus::Received)
            {
                eprintln!("{}: {}", word(&l.status), l.barcode);
            }
            println!(
                "{shipment} received: {} received, {} damaged, {} missing, {} extra ({} repeated scans)",
                count(ReceiptStatus::Received),
                count(ReceiptStatus::Damaged),
                count(ReceiptStatus::Missing),
                count(ReceiptStatus::Extra),
                r.repeated_scans
            );
            if count(ReceiptStatus::Received) != r.lines.len() {
                return Ok(ExitCode::from(DISCREPANCIES));
            }
        }
        ShipmentCommand::Show { shipment, format } => {
            let d = custody::shipment_detail(&store, &shipment)?;
            match format {
                Format::Csv => print!("{}", custody::manifest_csv(&d)?),
                Format::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                Format::Table => {
                    let s = &d.shipment;
                    println!("shipment   {} ({})", s.reference, word(&d.status));
                    println!("from       {}", s.from);
                    println!("to         {}", s.to);
                    println!("carrier    {}", s.carrier.as_deref().unwrap_or("—"));
                    println!("cold chain {}", word(&s.cold_chain));
                    println!(
                        "dates      packed {}, expected {}",
                        s.packed_on.as_deref().unwrap_or("—"),
                        s.expected_on.as_deref().unwrap_or("—")
                    );
                    println!();
                    let rows: Vec<Vec<String>> = d
                        .items
                        .iter()
                        .map(|i| {
                            vec![
                                i.barcode.clone(),
                                i.sample_type.clone(),
                                i.host.clone().unwrap_or_default(),
                                i.collected_at.clone(),
                                i.receipt.map(|r| word(&r)).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &["barcode", "type", "host", "collected_at", "receipt"],
                            &rows
                        )
                    );
                    println!();
                    let rows: Vec<Vec<String>> = d
                        .transfers
                        .iter()
                        .map(|t| {
                            let t = &t.transfer;
                            vec![
                                t.at.clone(),
                                word(&t.action),
                                t.from_person.clone().unwrap_or_default(),
                                t.to_person.clone(),
                                t.place.clone().unwrap_or_default(),
                                word(&t.condition),
                                t.temperature_c.map(|c| c.to_string()).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &["at", "action", "from", "to", "place", "condition", "°C"],
                            &rows
                        )
                    );
                    for l in &d.discrepancies {
                        println!("{}: {}", word(&l.status), l.barcode);
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
