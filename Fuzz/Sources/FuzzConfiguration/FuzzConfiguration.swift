import BondCore

/// Configuration files as bytes off the disk (`bondd --config`, `bondctl reload`), and
/// their option words as `bondd BOND ... name=value` and `bondctl set` take them: any
/// input is accepted or refused with one bounded error, never a trap. What parses is
/// compacted as a running bond compacts its history, and must mean the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let text = try ConfigurationFile.text(of: bytes, file: "fuzz.conf")
        let bonds = try ConfigurationFile.parse(text, file: "fuzz.conf")
        for b in bonds {
            let compacted = BondOptions.compact(b.optionWords)
            guard let again = try? BondOptions.parse(compacted).0, again == b.options else {
                fatalError("compacting \(b.optionWords) changed what they mean")
            }
        }
    } catch {
        precondition(error.description.utf8.count <= 240 + 40, "an error longer than its bound: \(error.description.utf8.count)")
    }
    // The same bytes as option words.
    let words = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    if let (options, _) = try? BondOptions.parse(words) {
        let old = BondOptions()
        _ = old.changedOptions(to: options)
        _ = try? old.checkRuntimeChange(to: options, bond: "bond0", deviceUp: true)
        _ = try? old.fixedOptionChange(in: words, bond: "bond0")
    }
    return 0
}
