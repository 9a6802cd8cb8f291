//! Printing through the system print dialog. Given a document name, on Linux the dialog opens
//! ready to save a PDF: "Print to File" chosen, A4 paper, and a file named after the document in
//! the export folder (never over an existing file). Any other printer can still be picked there.

use dauria_app::exchange::{export_dir, file_stem};
use dauria_app::{io_error, AppState, Reply};
use dauria_core::error::ErrorPayload;
use std::path::{Path, PathBuf};
use tauri::State;

/// `dir/stem.pdf`, or `dir/stem (2).pdf` and so on when that file is there already.
pub fn free_pdf_path(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.pdf"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}).pdf")))
        .find(|p| !p.exists())
        .expect("an unused file name")
}

fn dialog_error(e: impl std::fmt::Display) -> ErrorPayload {
    ErrorPayload {
        code: "internal".into(),
        message: format!("cannot open the print dialog: {e}"),
        fields: Vec::new(),
    }
}

/// Opens the system print dialog for the window's page. With `name`, the dialog is set up to
/// save `name.pdf` in the export folder, and that file's path is returned.
#[tauri::command]
pub fn print(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    name: Option<String>,
) -> Reply<Option<String>> {
    tracing::info!(named = name.is_some(), "print requested");
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        window.print().map_err(dialog_error)?;
        return Ok(None);
    };
    let dir = export_dir(&state)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| io_error(format!("cannot create {}", dir.display()), e))?;
    let pdf = free_pdf_path(&dir, &file_stem(&name));
    save_as_pdf_dialog(&window, &pdf)?;
    Ok(Some(pdf.display().to_string()))
}

#[cfg(target_os = "linux")]
fn save_as_pdf_dialog(window: &tauri::WebviewWindow, pdf: &Path) -> Reply<()> {
    use gtk::glib;
    use gtk::prelude::*;
    use webkit2gtk::PrintOperationExt;

    let uri = glib::filename_to_uri(pdf, None).map_err(dialog_error)?;
    tracing::info!(file = %pdf.display(), "print dialog set up for a PDF");
    window
        .with_webview(move |webview| {
            let view = webview.inner();
            let settings = gtk::PrintSettings::new();
            // GTK names its file printer in the user's language.
            settings.set_printer(&glib::dgettext(Some("gtk30"), "Print to File"));
            settings.set("output-file-format", Some("pdf"));
            settings.set("output-uri", Some(&uri));
            let page = gtk::PageSetup::new();
            page.set_paper_size_and_default_margins(&gtk::PaperSize::new(Some("iso_a4")));
            let operation = webkit2gtk::PrintOperation::new(&view);
            operation.set_print_settings(&settings);
            operation.set_page_setup(&page);
            let parent = view
                .toplevel()
                .and_then(|w| w.downcast::<gtk::Window>().ok());
            operation.run_dialog(parent.as_ref());
        })
        .map_err(dialog_error)
}

#[cfg(not(target_os = "linux"))]
fn save_as_pdf_dialog(window: &tauri::WebviewWindow, _pdf: &Path) -> Reply<()> {
    // Other systems' dialogs offer their own "Save as PDF".
    window.print().map_err(dialog_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_pdf_is_never_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_pdf_path(dir.path(), "Plan");
        assert_eq!(first, dir.path().join("Plan.pdf"));
        std::fs::write(&first, b"%PDF-").unwrap();
        let second = free_pdf_path(dir.path(), "Plan");
        assert_eq!(second, dir.path().join("Plan (2).pdf"));
        std::fs::write(&second, b"%PDF-").unwrap();
        assert_eq!(
            free_pdf_path(dir.path(), "Plan"),
            dir.path().join("Plan (3).pdf")
        );
    }
}
