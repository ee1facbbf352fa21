/// Set-up steps register how to undo themselves; a failure half-way, or shutdown,
/// unwinds them in reverse so nothing is left half-configured.
final class UndoStack {
    private var steps: [(String, () throws -> Void)] = []

    func push(_ what: String, _ undo: @escaping () throws -> Void) { steps.append((what, undo)) }

    /// Runs every undo step, newest first; returns what failed (for the log).
    @discardableResult
    func unwind() -> [String] {
        var failures: [String] = []
        while let (what, undo) = steps.popLast() {
            do { try undo() } catch { failures.append("\(what): \(error)") }
        }
        return failures
    }
}
