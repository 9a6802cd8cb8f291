// Reports "interactive" at once, so the benchmark can time an empty window the same way as the app.
window.__TAURI_INTERNALS__.invoke('ui_ready');
