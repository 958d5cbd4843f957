//! The MDC pre-pass: finds block components (`::name{props}` … `::`) in markdown source.
