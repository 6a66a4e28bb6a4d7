using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Tests.Serialization;

/// <summary>
/// The source-generated metadata must write and read the v1alpha1 kinds exactly as KubernetesClient's reflection path
/// does: objects with every property set (nested objects, lists, maps, times) are written by both and compared.
/// </summary>
public class V1Alpha1JsonTests
{
    public static TheoryData<Type> Kinds => [typeof(NumaVirtualMachine), typeof(NumaVirtualMachineList), typeof(NumaNodeTopology), typeof(NumaNodeTopologyList),
        typeof(NumaVirtualMachineMigration), typeof(NumaVirtualMachineMigrationList)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_kind_with_every_field_set_is_written_as_the_reflection_path_writes_it_and_reads_back_the_same(Type kind)
    {
        var full = Filled(kind, depth: 0);
        var generated = Options(V1Alpha1Json.Default, new DefaultJsonTypeInfoResolver());
        var reflection = Options(new DefaultJsonTypeInfoResolver());

        var expected = JsonSerializer.Serialize(full, kind, reflection);
        var written = JsonSerializer.Serialize(full, kind, generated);
        Assert.Equal(expected, written);
        Assert.Contains("\"metadata\"", written, StringComparison.Ordinal);

        // Read back: the generated metadata fills the same object as reflection does from the same text.
        var readBack = JsonSerializer.Deserialize(written, generated.GetTypeInfo(kind));
        var reflectionReadBack = JsonSerializer.Deserialize(written, kind, reflection);
        Assert.Equal(JsonSerializer.Serialize(reflectionReadBack, kind, reflection), JsonSerializer.Serialize(readBack, kind, reflection));
        Assert.Same(V1Alpha1Json.Default.GetTypeInfo(kind)!.Type, kind);
    }

    [Fact]
    public void The_metadata_is_first_in_kubernetes_clients_resolver_chain_once_registered()
    {
        V1Alpha1Json.UseForKubernetesClient(); // false when KubernetesJson was already in use in this process: then this checks the fallback
        var vm = (NumaVirtualMachine)Filled(typeof(NumaVirtualMachine), depth: 0)!;
        var text = KubernetesJson.Serialize(vm);
        Assert.Equal(JsonSerializer.Serialize(vm, Options(new DefaultJsonTypeInfoResolver())), text);
        Assert.Equal(text, KubernetesJson.Serialize(KubernetesJson.Deserialize<NumaVirtualMachine>(text)!));
    }

    /// <summary>KubernetesClient's conventions with the given resolvers.</summary>
    private static JsonSerializerOptions Options(params IJsonTypeInfoResolver[] resolvers)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(resolvers),
        };
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>An instance of <paramref name="type"/> with every settable property given a value (one item per list and map).</summary>
    private static object? Filled(Type type, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return "v" + depth;
        }

        if (underlying == typeof(bool))
        {
            return true;
        }

        if (underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(double))
        {
            return Convert.ChangeType(depth + 2, underlying, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (underlying == typeof(DateTime))
        {
            return new DateTime(2026, 12, 6, 1, 2, 3, DateTimeKind.Utc);
        }

        if (underlying == typeof(ResourceQuantity))
        {
            return new ResourceQuantity("2Gi");
        }

        if (underlying == typeof(IntOrString))
        {
            return (IntOrString)"7";
        }

        if (underlying.IsEnum)
        {
            return Enum.GetValues(underlying).GetValue(0);
        }

        if (depth > 6)
        {
            return null;
        }

        if (underlying.IsGenericType && underlying.GetGenericArguments() is { Length: 2 } pair && typeof(IEnumerable).IsAssignableFrom(underlying))
        {
            var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(pair))!;
            map.Add(Filled(pair[0], depth + 1)!, Filled(pair[1], depth + 1));
            return map;
        }

        if (underlying.IsArray || (underlying.IsGenericType && typeof(IEnumerable).IsAssignableFrom(underlying)))
        {
            var item = underlying.IsArray ? underlying.GetElementType()! : underlying.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(item))!;
            list.Add(Filled(item, depth + 1));
            return underlying.IsArray ? ToArray(list, item) : list;
        }

        var instance = Activator.CreateInstance(underlying)!;
        foreach (var property in underlying.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            property.SetValue(instance, Filled(property.PropertyType, depth + 1));
        }

        return instance;
    }

    private static Array ToArray(IList list, Type item)
    {
        var array = Array.CreateInstance(item, list.Count);
        list.CopyTo(array, 0);
        return array;
    }
}
