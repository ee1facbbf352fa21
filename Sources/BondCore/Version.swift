/// bondd's release: what `--version` prints on every tool, and what packages carry.
/// (tools/package reads it from here.)
public enum BondVersion {
    public static let string = "0.9.0"
}
