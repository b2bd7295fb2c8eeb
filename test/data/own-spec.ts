// The tiny GAN over a user's own data source (x: Real[d]) that the data-loader CLI tests and the run-time
// bad-data corpus train: one text, so both exercise the same spec.
export const ownDataSpecText = (data: string, d: number, train = "batch 8; steps 4; seed 0; log_every 2; checkpoint_every 2", extra = ""): string =>
  `model own "own data"
latent z ~ Normal(0, 1, dim=2)
data x: Real[${d}] = ${data}
generator G(z: Real[2]) -> Real[${d}] = z |> mlp([8], act=relu()) |> dense(${d})
discriminator D(x: Real[${d}]) -> Logit = x |> mlp([8], act=relu()) |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
train { ${train} }
${extra}`;
