//! A session is one guest's task: it owns the `App` and its `Terminal`, and turns input,
//! resizes, reloads, ticks and shutdown into `AppEvent`s and frames.
