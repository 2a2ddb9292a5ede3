npm install -g pnpm@12.4.2 && pnpm install && pnpm demo   # install, then play Inkless against examples/express
npm install -g pnpm@12.4.2 && pnpm install && pnpm test   # install, then lint, build and run every test
