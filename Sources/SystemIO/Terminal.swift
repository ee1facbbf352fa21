import Glibc

/// The terminal a descriptor writes to, if it is one.
public enum Terminal {
    /// Columns and rows of the terminal on `fd` (TIOCGWINSZ); nil when `fd` is not a
    /// terminal or the terminal does not say.
    public static func size(of fd: Int32 = 1) -> (columns: Int, rows: Int)? {
        guard isatty(fd) == 1 else { return nil }
        var w = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0, w.ws_row > 0 else { return nil }
        return (Int(w.ws_col), Int(w.ws_row))
    }
}
