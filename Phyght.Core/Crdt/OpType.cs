namespace Phyght.Core.Crdt;

public enum OpType
{
    UpdateTitle,
    UpdateDescription,
    UpdateCategory,
    UpdateFeatured,
    AddTag,
    RemoveTag,
    SetTags,
}

public static class OpTypeNames
{
    private static readonly Dictionary<string, OpType> ByName = new(StringComparer.Ordinal)
    {
        ["update_title"] = OpType.UpdateTitle,
        ["update_description"] = OpType.UpdateDescription,
        ["update_category"] = OpType.UpdateCategory,
        ["update_featured"] = OpType.UpdateFeatured,
        ["add_tag"] = OpType.AddTag,
        ["remove_tag"] = OpType.RemoveTag,
        ["set_tags"] = OpType.SetTags,
    };

    public static IReadOnlyCollection<string> All => ByName.Keys;

    public static bool TryParse(string? name, out OpType type) => ByName.TryGetValue(name ?? "", out type);

    public static string ToName(this OpType type) => ByName.First(kv => kv.Value == type).Key;
}
