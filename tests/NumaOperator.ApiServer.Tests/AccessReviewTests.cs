using k8s;
using k8s.Models;
using NumaOperator.ApiServer.Http.Authentication;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// TokenReview and SubjectAccessReview, as a node agent calls them through KubernetesClient to authorize console
/// callers: the embedded server knows its own tokens and the extra users, and allows system:masters only.
/// </summary>
public sealed class AccessReviewTests
{
    private const string ViewerToken = "viewer-token-for-access-reviews";

    [Fact]
    public async Task Token_review_names_the_user_of_a_known_token_and_refuses_an_unknown_one()
    {
        await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { Users = [new StaticTokenUser(ViewerToken, "viewer", [StaticTokenUser.Authenticated])] });
        using var client = new Kubernetes(server.ClientConfiguration());

        var admin = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = server.Token } });
        Assert.True(admin.Status.Authenticated);
        Assert.Contains(StaticTokenUser.Masters, admin.Status.User.Groups);

        var viewer = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = ViewerToken } });
        Assert.True(viewer.Status.Authenticated);
        Assert.Equal("viewer", viewer.Status.User.Username);
        Assert.DoesNotContain(StaticTokenUser.Masters, viewer.Status.User.Groups);

        var unknown = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = "nobody-has-this-token" } });
        Assert.False(unknown.Status.Authenticated);
        Assert.Null(unknown.Status.User);
    }

    [Fact]
    public async Task Subject_access_review_allows_system_masters_and_denies_everyone_else_saying_why()
    {
        await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions());
        using var client = new Kubernetes(server.ClientConfiguration());
        var attributes = new V1ResourceAttributes { Group = "numaoperator.io", Resource = "numavirtualmachines", Subresource = "console", Verb = "get", NamespaceProperty = "default", Name = "db1" };

        var master = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview { Spec = new V1SubjectAccessReviewSpec { User = "admin", Groups = [StaticTokenUser.Masters], ResourceAttributes = attributes } });
        Assert.True(master.Status.Allowed);

        var viewer = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview { Spec = new V1SubjectAccessReviewSpec { User = "viewer", Groups = [StaticTokenUser.Authenticated], ResourceAttributes = attributes } });
        Assert.False(viewer.Status.Allowed);
        Assert.Equal(Http.Handlers.AccessReviews.NoRbacReason, viewer.Status.Reason);
    }

    [Fact]
    public async Task An_extra_token_user_is_known_to_token_review_only_not_to_the_api()
    {
        await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { Users = [new StaticTokenUser(ViewerToken, "viewer", [StaticTokenUser.Authenticated])] });
        var configuration = server.ClientConfiguration();
        configuration.AccessToken = ViewerToken;
        using var client = new Kubernetes(configuration);

        var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }
}
