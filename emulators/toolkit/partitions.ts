/**
 * An emulator's data, kept apart per caller as the provider keeps it (CloudCockpit per tenant, Net3 per
 * credentials, Webex per token), each part made empty on first use: tests isolate themselves by caller.
 */
export class Partitions<Data> {
  private readonly parts = new Map<string, Data>();

  constructor(private readonly createEmpty: () => Data) {}

  get(key: string): Data {
    let data = this.parts.get(key);
    if (!data) {
      data = this.createEmpty();
      this.parts.set(key, data);
    }
    return data;
  }
}
