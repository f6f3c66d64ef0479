// A real OpenID Connect provider on loopback for the sign-in tests (the oidc-provider package,
// certified by the OpenID Foundation). Accounts: the login typed is the account id, and the
// roles claim comes from the accounts below. Prints "ready <issuer>" once listening.
import Provider from "oidc-provider";

const [port, redirectUri, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const ACCOUNTS = {
  officer: { roles: ["la_officer"], name: "Olive Officer" },
  inspector: { roles: "inspector", name: "Ian Inspector" },
  nobody: { roles: [], name: "Nora Nobody" },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "register",
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email"], profile: ["name", "roles"] },
  conformIdTokenClaims: false,
  ttl: { AuthorizationCode: 5 },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? { roles: [], name: id };
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@idp.example.org`, name: account.name, roles: account.roles };
      },
    };
  },
});
provider.proxy = false;
const server = provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
