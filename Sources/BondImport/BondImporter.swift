import BondCore

/// `bondctl import`: bonds of existing configurations, as a bondd configuration file.
public enum BondImporter {
    public struct Input: Sendable {
        public var path: String
        public var text: String
        public init(path: String, text: String) { self.path = path; self.text = text }
    }

    /// Every bond the inputs declare. Files of one kind are read together (ifcfg files
    /// refer to each other, modprobe options apply to the interfaces file's bonds);
    /// `format` forces one kind for all, otherwise each file's is detected.
    public static func bonds(from inputs: [Input], format: ImportFormat? = nil) throws(ImportError) -> [ImportedBond] {
        var groups: [ImportFormat: [Input]] = [:]
        for input in inputs {
            guard let f = format ?? ImportFormat.detect(path: input.path, text: input.text) else {
                throw ImportError(
                    "\(input.path): not a configuration import knows (--from \(ImportFormat.allCases.map(\.rawValue).joined(separator: "|")))")
            }
            groups[f, default: []].append(input)
        }
        var bonds: [ImportedBond] = []
        for f in ImportFormat.allCases {
            guard let group = groups[f] else { continue }
            switch f {
            case .interfaces:
                let modprobe = group.filter { ModprobeOptions.mentionsBonding($0.text) }.map { ModprobeOptions(path: $0.path, text: $0.text) }
                let files = group.map { InterfacesFile(path: $0.path, text: $0.text) }
                var found = InterfacesImporter.bonds(files: files, modprobe: modprobe)
                for file in files {
                    for s in file.sources {
                        for i in found.indices {
                            found[i].note("\(file.path) line \(s.line): 'source \(s.path)' is not followed; give those files too")
                        }
                    }
                }
                bonds += found
            case .ifcfg:
                bonds += IfcfgFiles.bonds(files: group.map { IfcfgFiles.File(path: $0.path, text: $0.text) })
            case .netplan:
                bonds += try NetplanFile.bonds(files: group.map { ($0.path, $0.text) })
            case .ip:
                for input in group {
                    let trimmed = input.text.drop { $0.isWhitespace }
                    let links: [IPLinkOutput.Link]
                    if trimmed.hasPrefix("[") {
                        do { links = try IPLinkOutput.parseJSON(input.text) } catch { throw ImportError("\(input.path): \(error.message)") }
                    } else {
                        links = IPLinkOutput.parseText(input.text)
                    }
                    bonds += IPLinkOutput.bonds(links: links, source: input.path)
                }
            }
        }
        var seen: Set<String> = []
        for b in bonds {
            if !seen.insert(b.name).inserted { throw ImportError("\(b.name) is declared by more than one input; import them apart") }
        }
        return bonds
    }
}
